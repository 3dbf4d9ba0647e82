/**
 * `cod pretrain`: the built-in model's warm start. The scripted oracle plays lifecycles whose notes are
 * deliberately imperfect (noteNoise drops or corrupts facts), a byte-level BPE tokenizer is trained on those
 * conversations, and the `tiny` model is trained by next-token cross-entropy on them — so RL later has a
 * capability to elicit (writing and using better notes) rather than one to create from nothing.
 * Deterministic: the same options give the same traces, tokenizer, batches and (at 1 thread) the same weights.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CodError } from '../base/errors.ts';
import { requireScriptedAgents } from '../cod/scripted-policy.ts';
import { exportTraces, type TraceLine } from '../cod/traces.ts';
import type { Rendering } from '../envs/sdk.ts';
import { InProcessEnvHost } from '../envs/inprocess-host.ts';
import { getDomain } from '../envs/registry.ts';
import { Rng, stableSeed } from '../envs/seed.ts';
import { CHATML_TEMPLATE } from '../models/chat-template/chatml.ts';
import { ChatRenderer } from '../models/chat-template/render.ts';
import { loadCheckpoint, saveCheckpoint, type LoadedModel } from '../models/checkpoint.ts';
import type { ModelConfig } from '../models/config.ts';
import { initWeights } from '../models/init.ts';
import { crossEntropyObjective } from '../models/objectives.ts';
import { packBatch, type PackedBatch } from '../models/packing.ts';
import { presetConfig } from '../models/presets.ts';
import { ModelRuntime } from '../models/runtime.ts';
import { trainByteLevelBpe } from '../models/tokenizer/bpe-trainer.ts';
import { BUILTIN_SPECIAL_TOKENS, builtinTokenizerConfig, writeTokenizerFiles } from '../models/tokenizer/builtin.ts';
import { TOKENIZER_FILE, tokenizerFromJson } from '../models/tokenizer/tokenizer.ts';
import type { ByteLevelBpeTokenizerJson } from '../models/tokenizer/bpe-trainer.ts';
import { frozenLakeDrills } from './drills.ts';
import {
  inductionBatch,
  InductionStageClock,
  InductionStageStateSchema,
  packInductionBatch,
  SHORT_INDUCTION,
  type InductionStageState,
} from './induction-drill.ts';
import { PRETRAIN_RECORD, STATE_DIR } from './pretrain-files.ts';
import { loadEngineCheckpoint, saveEngineCheckpoint } from './engine-checkpoint.ts';
import { sha256File } from './run-checkpoint.ts';
import { episodeConversations, sftExample, type SftExample } from './sft-examples.ts';

export interface PretrainDomain {
  readonly id: string;
  readonly preset: string;
  readonly packs: number;
}

export interface PretrainOptions {
  readonly domains: readonly PretrainDomain[];
  readonly packSize: number;
  /** Probability that each fact of the oracle's notes is dropped or corrupted. */
  readonly noteNoise: number;
  /** Note-reading drills (FrozenLake, main/training/drills.ts) added to the oracle's lifecycles; 0 = none. */
  readonly drills?: number;
  /**
   * At most this many steps of induction drills (main/training/induction-drill.ts: repeated random spans) before
   * the lifecycles, so the content-matched lookup that reading notes needs forms first; 0 = none.
   */
  readonly inductionSteps?: number;
  /**
   * The induction stage ends early once its loss (mean of 20 steps) is below this fraction of chance, ln(number of
   * token ids drawn): with the head formed the loss falls to about half of chance (the gap tokens it also scores
   * stay unpredictable).
   */
  readonly inductionDoneAt?: number;
  /** Constant learning rate of the induction stage. */
  readonly inductionLr?: number;
  readonly rendering: Rendering;
  readonly modelPreset: string;
  readonly seed: number;
  readonly steps: number;
  /** Token budget of one optimizer step (rows × width). */
  readonly tokensPerStep: number;
  readonly lr: number;
  readonly warmupSteps: number;
  readonly weightDecay: number;
  readonly gradClip: number;
  /**
   * Loss weight of prompt tokens relative to assistant tokens. A little language modelling of the observations
   * teaches a tiny model the shape of maps and feedback far faster than the sparse action tokens alone.
   */
  readonly promptWeight: number;
  readonly threads?: number;
  /**
   * Continue from this checkpoint (a continued warm start): its weights and its tokenizer are used instead of a
   * fresh initialisation and a newly trained tokenizer; the optimizer starts afresh. A different `seed` gives
   * fresh packs and batch order.
   */
  readonly init?: string;
  readonly out: string;
  readonly onStep?: (s: PretrainProgress) => void;
  /** Save the resumable state (weights, Adam, step) every this many steps (and when stopped). */
  readonly saveEvery?: number;
  /** Continue from the state saved in `out` (the options must be the same). */
  readonly resume?: boolean;
  /** Stop after the step in progress, with the state saved; `resume` continues. */
  readonly signal?: AbortSignal;
}

export interface PretrainProgress {
  /** Counted over both stages: the induction steps, then the lifecycle steps. */
  readonly step: number;
  readonly stage: 'induction' | 'lifecycles';
  readonly steps: number;
  readonly loss: number;
  readonly lr: number;
  readonly tokensPerSecond: number;
}

export interface PretrainSummary {
  readonly examples: number;
  readonly tokens: number;
  readonly assistantTokens: number;
  readonly finalLoss: number;
  readonly seconds: number;
  readonly out: string;
  /** Steps done, both stages (less than all when stopped). */
  readonly stepsDone: number;
  /** Steps of the induction stage (so far, when stopped in it). */
  readonly inductionSteps: number;
  readonly stopped: boolean;
}

/** Fallbacks of the induction stage's options for library callers that leave them out (the CLI passes all). */
const INDUCTION_DONE_AT = 0.6;
const INDUCTION_LR = 2e-3;

export const PRETRAIN_DEFAULTS: Omit<PretrainOptions, 'out' | 'onStep'> = {
  domains: [{ id: 'frozenlake', preset: 'train', packs: 2000 }],
  packSize: 4,
  noteNoise: 0.3,
  drills: 4000,
  inductionSteps: 2000,
  inductionDoneAt: INDUCTION_DONE_AT,
  inductionLr: INDUCTION_LR,
  rendering: 'compact',
  modelPreset: 'tiny',
  seed: 0,
  steps: 700,
  tokensPerStep: 8192,
  lr: 3e-3,
  warmupSteps: 50,
  weightDecay: 0.01,
  gradClip: 1.0,
  promptWeight: 0.1,
};

const INDUCTION_STATE = 'induction.json';

/** The options that define the result (not how it is watched or where it runs). */
function recordedOptions(o: PretrainOptions): Record<string, unknown> {
  const { onStep: _s, signal: _g, resume: _r, saveEvery: _e, ...rest } = o;
  return rest;
}

/** Every domain's oracle traces, domain by domain in the given order. */
export async function collectTraces(
  o: Pick<PretrainOptions, 'domains' | 'packSize' | 'noteNoise' | 'rendering' | 'seed'>,
): Promise<TraceLine[]> {
  const lines: TraceLine[] = [];
  for (const d of o.domains) {
    const domain = requireScriptedAgents(getDomain(d.id));
    if (!domain.presets.includes(d.preset))
      throw new CodError('bad_config', `domain '${d.id}' has no preset '${d.preset}'`, 'domains');
    const host = new InProcessEnvHost([domain]);
    try {
      await exportTraces({
        domain,
        host,
        preset: d.preset,
        packs: d.packs,
        packSize: o.packSize,
        seed: `pretrain-${o.seed}`,
        noteNoise: o.noteNoise,
        rendering: o.rendering,
        write: (l) => {
          lines.push(l);
        },
      });
    } finally {
      await host.dispose();
    }
  }
  return lines;
}

/**
 * Where a continued warm start began: the init checkpoint's weights hash and, when it has one, its own pretrain.json
 * — so a model made in stages records every stage's options in its pretrain.json.
 */
interface InitProvenance {
  readonly dir: string;
  readonly sha256: string;
  readonly pretrain?: unknown;
}

/** The weights and tokenizer of the checkpoint a continued warm start begins from; it must be the same preset. */
async function initialModel(
  dir: string,
  config: ModelConfig,
): Promise<{
  weights: LoadedModel['weights'];
  tokenizerJson: ByteLevelBpeTokenizerJson;
  provenance: InitProvenance;
}> {
  const m = await loadCheckpoint(dir);
  const differs = (Object.keys(config) as (keyof ModelConfig)[]).filter(
    (k) => JSON.stringify(m.config[k]) !== JSON.stringify(config[k]),
  );
  if (differs.length > 0)
    throw new CodError('bad_input', `the init checkpoint is not the preset being trained (${differs.join(', ')})`, dir);
  const raw = await readFile(join(dir, TOKENIZER_FILE), 'utf8').catch(() => {
    throw new CodError('not_found', `no ${TOKENIZER_FILE} in the init checkpoint`, dir);
  });
  let tokenizerJson: ByteLevelBpeTokenizerJson;
  try {
    tokenizerJson = JSON.parse(raw) as ByteLevelBpeTokenizerJson;
  } catch {
    throw new CodError('bad_input', `${TOKENIZER_FILE} of the init checkpoint is not JSON`, dir);
  }
  // A missing or unreadable pretrain.json only leaves the earlier stage's options unrecorded; the hash still names it.
  const earlier = await readFile(join(dir, PRETRAIN_RECORD), 'utf8')
    .then((t) => JSON.parse(t) as unknown)
    .catch(() => undefined);
  const sha256 = await sha256File(join(dir, 'model.safetensors'));
  return {
    weights: m.weights,
    tokenizerJson,
    provenance: { dir, sha256, ...(earlier === undefined ? {} : { pretrain: earlier }) },
  };
}

/** Column weights: assistant targets 1, prompt targets promptWeight, normalised to a per-step mean. */
function lifecycleTargetWeights(batch: readonly SftExample[], packed: PackedBatch, promptWeight: number): Float32Array {
  const weights = new Float32Array(packed.rows * packed.width);
  let total = 0;
  batch.forEach((e, i) => {
    const { row, offset } = packed.placements[i];
    for (let t = 1; t < e.ids.length; t++) {
      const w = e.mask[t] === 1 ? 1 : promptWeight;
      weights[row * packed.width + offset + t - 1] = w;
      total += w;
    }
  });
  for (let i = 0; i < weights.length; i++) weights[i] /= total;
  return weights;
}

/** Cosine decay to 10% after a linear warm-up. */
export function pretrainLr(step: number, o: Pick<PretrainOptions, 'lr' | 'warmupSteps' | 'steps'>): number {
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const t = (step - o.warmupSteps) / Math.max(1, o.steps - o.warmupSteps);
  return o.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t))));
}

/** Batches of whole examples up to the token budget, in a seeded shuffled order per epoch. */
export function* batchStream(
  examples: readonly SftExample[],
  tokensPerStep: number,
  seed: string,
): Generator<SftExample[]> {
  const rng = new Rng(seed);
  for (;;) {
    const order = rng.shuffle(examples.map((_, i) => i));
    let batch: SftExample[] = [];
    let tokens = 0;
    for (const i of order) {
      const e = examples[i];
      // 90% of the budget: first-fit then packs into the same number of rows nearly always (one graph shape).
      if (tokens + e.ids.length > 0.9 * tokensPerStep && batch.length > 0) {
        yield batch;
        batch = [];
        tokens = 0;
      }
      batch.push(e);
      tokens += e.ids.length;
    }
    if (batch.length > 0) yield batch;
  }
}

export async function pretrain(o: PretrainOptions): Promise<PretrainSummary> {
  const t0 = performance.now();
  const lines = await collectTraces(o);
  if (lines.length === 0) throw new CodError('bad_config', 'the oracle produced no traces', 'domains');
  const config: ModelConfig = presetConfig(o.modelPreset);

  const start = o.init ? await initialModel(o.init, config) : undefined;
  const drills = frozenLakeDrills({ count: o.drills ?? 0, seed: `pretrain-${o.seed}` });
  const conversations = [
    ...episodeConversations(lines).map(({ line, messages }) => ({ messages, kind: line.kind, domain: line.domain })),
    ...drills.map((messages) => ({ messages, kind: 'solve' as const, domain: 'frozenlake' })),
  ];
  // The tokenizer learns the workbench's own text: every conversation the model will see, once per episode.
  const tokenizerJson =
    start?.tokenizerJson ??
    trainByteLevelBpe(
      conversations.map((c) => c.messages.map((m) => m.content).join('\n')),
      { vocabSize: config.vocabSize, specialTokens: BUILTIN_SPECIAL_TOKENS },
    ).tokenizerJson;
  const tokConfig = builtinTokenizerConfig(tokenizerJson);
  const tokenizer = tokenizerFromJson(tokenizerJson, tokConfig, o.out);
  const renderer = new ChatRenderer(tokenizer, CHATML_TEMPLATE, 'builtin ChatML template');
  const examples = conversations.map((c) => sftExample(c.messages, c.kind, c.domain, renderer));
  const maxLen = Math.max(...examples.map((e) => e.ids.length));
  if (maxLen > config.maxPositionEmbeddings)
    throw new CodError('bad_config', `an episode of ${maxLen} tokens exceeds the model context`, 'domains');
  const width = Math.max(512, 2 ** Math.ceil(Math.log2(maxLen)));

  await mkdir(o.out, { recursive: true });
  await writeTokenizerFiles(o.out, tokenizerJson, tokConfig);
  const stateDir = join(o.out, STATE_DIR);
  const optionsKey = JSON.stringify(recordedOptions(o));
  let first = 0;
  let inductionState: InductionStageState | undefined;
  let weights = start?.weights ?? initWeights(config, o.seed);
  let optimizer: Awaited<ReturnType<typeof loadEngineCheckpoint>>['optimizer'] | undefined;
  if (o.resume) {
    const saved = await readFile(join(stateDir, 'options.json'), 'utf8').catch(() => {
      throw new CodError('not_found', 'no saved pretraining state to resume', stateDir);
    });
    if (saved !== optionsKey)
      throw new CodError('bad_input', 'the saved state was made with other options; give the same ones', stateDir);
    const st = await loadEngineCheckpoint(stateDir);
    const raw = await readFile(join(stateDir, INDUCTION_STATE), 'utf8').catch(() => {
      throw new CodError('not_found', `no ${INDUCTION_STATE} in the saved pretraining state`, stateDir);
    });
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const parsed = InductionStageStateSchema.safeParse(json);
    if (!parsed.success) throw new CodError('bad_input', `${INDUCTION_STATE} is malformed`, stateDir);
    inductionState = parsed.data;
    first = st.step;
    weights = st.weights;
    optimizer = st.optimizer;
  }
  const runtime = new ModelRuntime(config, weights, {
    threads: o.threads ?? 2,
    memArena: false,
    maxSessions: 2,
  });
  if (optimizer) runtime.loadOptimizerState(optimizer);
  // Written beside, then swapped in: a kill while saving leaves the previous state whole.
  const saveState = async (step: number): Promise<void> => {
    const st = runtime.optimizerState();
    const tmp = `${stateDir}.tmp`;
    await saveEngineCheckpoint(tmp, o.out, {
      step,
      config,
      weights: runtime.params,
      optimizer: { step: st.step, m: st.m, v: st.v },
      versions: new Map(),
    });
    await writeFile(join(tmp, 'options.json'), optionsKey);
    await writeFile(join(tmp, INDUCTION_STATE), JSON.stringify(clock.state()));
    await rm(stateDir, { recursive: true, force: true });
    await rename(tmp, stateDir);
  };
  const rows = Math.max(1, Math.floor(o.tokensPerStep / width));
  const inductionTokens = { lo: BUILTIN_SPECIAL_TOKENS.length, hi: config.vocabSize - 1 };
  const clock = new InductionStageClock(
    o.inductionSteps ?? 0,
    (o.inductionDoneAt ?? INDUCTION_DONE_AT) * Math.log(inductionTokens.hi - inductionTokens.lo + 1),
    20,
    inductionState,
  );
  // Both batch orders are pure functions of the seed: a resumed run skips the batches already trained on.
  const inductionRng = new Rng(stableSeed('pretrain-induction', o.seed));
  const nextInduction = () => inductionBatch(inductionRng, SHORT_INDUCTION, inductionTokens, o.tokensPerStep);
  const inductionDone = Math.min(first, clock.end ?? first);
  for (let i = 0; i < inductionDone; i++) nextInduction();
  const batches = batchStream(examples, o.tokensPerStep, stableSeed('pretrain-batches', o.seed));
  for (let i = inductionDone; i < first; i++) batches.next();
  /** Steps of both stages: the induction stage's length is its maximum until it ends. */
  const totalSteps = () => (clock.end ?? o.inductionSteps ?? 0) + o.steps;
  const optim = { weightDecay: o.weightDecay, maxGradNorm: o.gradClip, beta1: 0.9, beta2: 0.95 };
  let loss = NaN;
  let tokensSeen = 0;
  let done = first;
  const tTrain = performance.now();
  for (let step = first; step < totalSteps(); step++) {
    if (o.signal?.aborted) break;
    const stage = clock.inStage(step) ? 'induction' : 'lifecycles';
    let packed: PackedBatch;
    let weights: Float32Array;
    let lr: number;
    if (stage === 'induction') {
      const batch = nextInduction();
      ({ packed, weights } = packInductionBatch(batch, o.tokensPerStep, tokenizer.padTokenId ?? 0));
      lr = o.inductionLr ?? INDUCTION_LR;
      tokensSeen += batch.sequences.reduce((a, q) => a + q.length, 0);
    } else {
      const batch = batches.next().value as SftExample[];
      packed = packBatch(
        { sequences: batch.map((e) => e.ids), lossMask: batch.map((e) => e.ids.map(() => 1)) },
        { width, padId: tokenizer.padTokenId ?? 0, minRows: rows },
      );
      weights = lifecycleTargetWeights(batch, packed, o.promptWeight);
      lr = pretrainLr(step - (clock.end ?? 0), o);
      tokensSeen += batch.reduce((a, e) => a + e.ids.length, 0);
    }
    const r = await runtime.trainStep(
      packed,
      crossEntropyObjective,
      { weights: { dtype: 'float32', shape: [packed.rows, packed.width], data: weights } },
      { lr, ...optim },
    );
    loss = r.loss;
    if (!Number.isFinite(loss)) throw new CodError('internal', `loss became ${loss} at step ${step}`, 'pretrain');
    if (stage === 'induction') clock.record(step, loss);
    done = step + 1;
    o.onStep?.({
      step: step + 1,
      stage,
      steps: totalSteps(),
      loss,
      lr,
      tokensPerSecond: tokensSeen / ((performance.now() - tTrain) / 1000),
    });
    if (done < totalSteps() && (done % (o.saveEvery ?? 50) === 0 || o.signal?.aborted)) await saveState(done);
  }
  const stopped = done < totalSteps();
  if (!stopped) {
    await saveCheckpoint(o.out, config, runtime.params, { producer: 'cod pretrain', seed: String(o.seed) });
    await rm(stateDir, { recursive: true, force: true });
  }
  const summary: PretrainSummary = {
    examples: examples.length,
    tokens: examples.reduce((a, e) => a + e.ids.length, 0),
    assistantTokens: examples.reduce((a, e) => a + e.mask.reduce((x, y) => x + y, 0), 0),
    finalLoss: loss,
    seconds: (performance.now() - t0) / 1000,
    out: o.out,
    stepsDone: done,
    inductionSteps: clock.end ?? done,
    stopped,
  };
  if (!stopped)
    await writeFile(
      join(o.out, PRETRAIN_RECORD),
      JSON.stringify({ options: recordedOptions(o), summary, ...(start ? { init: start.provenance } : {}) }, null, 2) +
        '\n',
    );
  await runtime.dispose();
  return summary;
}
