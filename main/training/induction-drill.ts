/**
 * Induction drills: a span of random tokens repeated later in the same sequence, scored on the repeat. The repeat
 * can only be predicted by finding the earlier copy of the current token and reading the token after it — the
 * content-matched lookup ("induction head") that reading a note like `- Down 4` needs when the model has just
 * written `go Down`. The `tiny` preset forms that head within a few hundred steps at short range (span 32, gap up
 * to 31) but not when the repeat sits hundreds of tokens later; formed at short range, it carries over to long range
 * and to the notes within a few dozen steps (docs/results.md, scripts/induction-check.ts). `cod pretrain` therefore
 * starts with a stage of these.
 */
import { z } from 'zod';
import type { Rng } from '../envs/seed.ts';
import { packBatch, type PackedBatch } from '../models/packing.ts';

export interface InductionForm {
  /** Length of the random span. */
  readonly span: number;
  /** Random tokens between the span and its repeat: 0 … maxGap. */
  readonly maxGap: number;
  /**
   * The short form cuts each sequence to 2 × span tokens (the repeat is shortened by the gap); the long form keeps
   * the whole repeat, so a sequence is span + gap + span tokens.
   */
  readonly long: boolean;
}

export interface InductionBatch {
  readonly sequences: number[][];
  /** Per sequence, the first position whose next token is scored (the repeat's second token onwards). */
  readonly scoreFrom: number[];
  /** Width of a packed row that fits the longest possible sequence. */
  readonly width: number;
}

export const SHORT_INDUCTION: InductionForm = { span: 32, maxGap: 31, long: false };

/**
 * One step of sequences, up to `tokensPerStep` tokens, with token ids drawn uniformly from [lo, hi] (inclusive).
 * The short form scores the whole second half of each sequence (as the first version of the check did: the gap
 * tokens there are unpredictable, which keeps its loss near 3 even with a perfect head); the long form scores the
 * repeat after its first token.
 */
export function inductionBatch(
  rng: Rng,
  form: InductionForm,
  tokens: { readonly lo: number; readonly hi: number },
  tokensPerStep: number,
): InductionBatch {
  if (form.span < 2 || form.maxGap < 0 || (!form.long && form.maxGap >= form.span))
    throw new Error(`bad induction form ${JSON.stringify(form)}`);
  const randomTokens = (n: number): number[] => Array.from({ length: n }, () => rng.int(tokens.lo, tokens.hi));
  const sequences: number[][] = [];
  const scoreFrom: number[] = [];
  // The short form fills exactly tokensPerStep / (2 * span) rows; the long form draws until one would overflow.
  for (let used = 0; form.long || used < tokensPerStep;) {
    const a = randomTokens(form.span);
    const gap = randomTokens(rng.int(0, form.maxGap));
    const seq = form.long ? [...a, ...gap, ...a] : [...a, ...gap, ...a.slice(0, form.span - gap.length)];
    if (used + seq.length > tokensPerStep) break;
    used += seq.length;
    sequences.push(seq);
    scoreFrom.push(form.long ? form.span + gap.length : form.span);
  }
  const width = form.long ? Math.max(1024, 2 * form.span + form.maxGap) : 2 * form.span;
  return { sequences, scoreFrom, width };
}

/**
 * The batch packed into rows of its width (as many rows as the step's token budget fills) with its loss weights:
 * the scored targets, normalised to sum to 1.
 */
export function packInductionBatch(
  batch: InductionBatch,
  tokensPerStep: number,
  padId: number,
): { packed: PackedBatch; weights: Float32Array } {
  const packed = packBatch(
    { sequences: batch.sequences, lossMask: batch.sequences.map((s) => s.map(() => 1)) },
    { width: batch.width, padId, minRows: Math.floor(tokensPerStep / batch.width) },
  );
  const w = new Float32Array(packed.rows * packed.width);
  let total = 0;
  // Position t predicts token t + 1.
  packed.placements.forEach(({ row, offset }, i) => {
    for (let t = batch.scoreFrom[i]; t < batch.sequences[i].length - 1; t++) {
      w[row * packed.width + offset + t] = 1;
      total++;
    }
  });
  for (let i = 0; i < w.length; i++) w[i] /= total;
  return { packed, weights: w };
}

/** What resuming a warm start needs to know about its induction stage. */
export const InductionStageStateSchema = z.strictObject({
  /** The first step after the stage, once known. */
  end: z.number().int().nonnegative().nullable(),
  /** The latest training losses of the stage (at most `window`). */
  recent: z.array(z.number()),
});
export type InductionStageState = z.infer<typeof InductionStageStateSchema>;

/**
 * Decides when the induction stage of a warm start ends: once the mean loss of the last `window` steps is below
 * `doneAt` (the head has formed), or after `maxSteps`. How soon the head forms varies with the data (300 to over
 * 450 steps in our runs), so a fixed count either wastes steps or stops before it forms.
 */
export class InductionStageClock {
  private endStep: number | null;
  private readonly recent: number[];

  constructor(
    private readonly maxSteps: number,
    private readonly doneAt: number,
    private readonly window = 20,
    state: InductionStageState = { end: maxSteps === 0 ? 0 : null, recent: [] },
  ) {
    this.endStep = state.end;
    this.recent = [...state.recent];
  }

  /** Whether `step` (0-based) belongs to the stage. Steps must be asked in order. */
  inStage(step: number): boolean {
    if (this.endStep === null && step >= this.maxSteps) this.endStep = this.maxSteps;
    return this.endStep === null || step < this.endStep;
  }

  /** Records the loss of stage step `step`; the stage ends after it if the head has formed. */
  record(step: number, loss: number): void {
    this.recent.push(loss);
    if (this.recent.length > this.window) this.recent.shift();
    const mean = this.recent.reduce((a, x) => a + x, 0) / this.recent.length;
    if (this.recent.length === this.window && mean < this.doneAt) this.endStep = step + 1;
  }

  /** The first step after the stage, or undefined while it runs. */
  get end(): number | undefined {
    return this.endStep ?? undefined;
  }

  state(): InductionStageState {
    return { end: this.endStep, recent: [...this.recent] };
  }
}
