/**
 * The PDE Discovery solve episode: a state machine over tool actions (sample, evidence, regress, commit) with a
 * per-task sample budget. Samples go into the pack's evidence, which persists across the pack's tasks.
 */
import { Rng } from '../../seed.ts';
import type { EpisodeEnd, Outcome, Rendering, StepResult, TaskEpisode } from '../../sdk.ts';
import { quoteInput } from '../shared/feedback.ts';
import { parsePdeAction, type PdeAction } from './actions.ts';
import { formatLaw, TERM_NAMES } from './dictionary.ts';
import type { PdeParams } from './params.ts';
import { sparseRegression } from './regression.ts';
import { commitText, observationText, rulesText } from './render.ts';
import { scoreLaw } from './score.ts';
import { residualAt } from './simulate.ts';
import { HORIZON, NT, NX, type PdeTask } from './task.ts';
import type { CommitResult, EvidencePoint, LastAction, PdeView, Sample } from './view.ts';

/** Pack-level memory: every sample of every task so far (the "evidence"). */
export interface PdePackState {
  readonly evidence: EvidencePoint[];
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const DX = 1 / NX;
const DT = HORIZON / NT;

export class PdeEpisode implements TaskEpisode {
  readonly maxTurns: number;
  private turns = 0;
  private budgetLeft: number;
  private readonly samples: Sample[] = [];
  private regressed = false;
  private last: LastAction = { kind: 'start' };
  private result: CommitResult | null = null;
  private end: EpisodeEnd | undefined;
  private readonly noise: Rng;

  constructor(
    readonly taskId: string,
    private readonly task: PdeTask,
    private readonly params: PdeParams,
    private readonly rendering: Rendering,
    private readonly pack: PdePackState,
    noiseSeed: string,
  ) {
    this.maxTurns = params.maxTurns;
    this.budgetLeft = params.budget;
    this.noise = new Rng(noiseSeed);
  }

  rules(): string {
    const p = this.params;
    return rulesText(this.rendering, {
      dictionary: TERM_NAMES,
      minTerms: p.minTerms,
      maxTerms: p.maxTerms,
      budget: p.budget,
      maxTurns: p.maxTurns,
      noise: p.noise,
      dx: DX,
      dt: DT,
    });
  }

  observation(): string {
    return observationText(this.rendering, this.view());
  }

  turnsUsed(): number {
    return this.turns;
  }

  view(): PdeView {
    const sol0 = this.task.solution[0];
    return {
      domain: 'pde',
      taskId: this.taskId,
      turn: this.turns,
      maxTurns: this.maxTurns,
      diffusion: this.task.spec.diffusion,
      horizon: HORIZON,
      dx: DX,
      dt: DT,
      dictionary: TERM_NAMES,
      minTerms: this.params.minTerms,
      maxTerms: this.params.maxTerms,
      noise: this.params.noise,
      budget: this.params.budget,
      budgetLeft: this.budgetLeft,
      initialProfile: Array.from({ length: 11 }, (_, k) => ({ x: k / 10, u: round(sol0[(k * NX) / 10], 4) })),
      samples: this.samples.slice(),
      regressed: this.regressed,
      last: this.last,
      result: this.result,
      done: this.end !== undefined,
    };
  }

  step(action: string): StepResult {
    if (this.end) return { done: true, observation: this.observation(), ...this.end };
    const parsed = parsePdeAction(action);
    if (!parsed.ok) {
      return this.finish(
        'format_error',
        0,
        `Format error: ${parsed.error} (action ${quoteInput(action)}). Expected one of: sample (x, t) …, evidence, ` +
          'regress [options], commit <equation>. Game over.',
      );
    }
    this.turns++;
    const illegal = this.apply(parsed.action);
    if (illegal) return this.finish('illegal_action', 0, `Illegal action: ${illegal}. Game over.`);
    const committed = this.endState();
    if (committed) return { done: true, observation: this.observation(), ...committed };
    if (this.turns >= this.maxTurns) {
      return this.finish(
        'out_of_turns',
        0,
        `Failed: ran out of turns (${this.maxTurns}) without committing an equation. Reward 0.`,
      );
    }
    return { done: false, observation: this.observation() };
  }

  /** Carry out a parsed action; returns why it is illegal, or undefined. */
  private apply(a: PdeAction): string | undefined {
    switch (a.kind) {
      case 'sample':
        return this.sample(a.points);
      case 'evidence':
        this.last = { kind: 'evidence', points: this.pack.evidence.slice() };
        return undefined;
      case 'regress': {
        const data = a.scope === 'task' ? this.samples : this.pack.evidence;
        const terms = a.terms ?? TERM_NAMES.map((_, k) => k);
        const out = sparseRegression(data, terms, a.threshold, a.maxTerms);
        if (!out.ok) {
          this.last = { kind: 'regress_error', error: out.error };
          return undefined;
        }
        const r = out.result;
        this.regressed = true;
        this.last = {
          kind: 'regress',
          report: {
            scope: a.scope,
            terms: terms.map((k) => TERM_NAMES[k]),
            threshold: a.threshold,
            maxTerms: a.maxTerms,
            samples: r.samples,
            coefficients: r.coefficients
              .map((value, k) => ({ term: TERM_NAMES[k], value: round(value, 4) }))
              .filter((c, k) => r.coefficients[k] !== 0 && c.value !== 0),
            rms: round(r.rms, 4),
            candidateCondition: Number.isFinite(r.candidateCondition)
              ? Number(r.candidateCondition.toPrecision(3))
              : null,
            supportCondition: Number.isFinite(r.supportCondition) ? Number(r.supportCondition.toPrecision(3)) : null,
          },
        };
        return undefined;
      }
      case 'commit': {
        if (this.samples.length === 0 || !this.regressed) {
          return 'commit is allowed only after sampling and a successful regress in this task';
        }
        const s = scoreLaw(this.task.law, a.coef);
        this.result = {
          law: formatLaw(a.coef),
          correct: s.correct.map((k) => TERM_NAMES[k]),
          extra: s.extra.map((k) => TERM_NAMES[k]),
          missing: s.missing,
          error: round(s.error, 4),
          reward: s.reward,
        };
        this.finish(s.reward > 0.5 ? 'success' : 'failure', s.reward, commitText(this.rendering, this.result));
        return undefined;
      }
    }
  }

  private sample(points: readonly (readonly [number, number])[]): string | undefined {
    if (points.length > this.budgetLeft) {
      return `asked for ${points.length} points but only ${this.budgetLeft} of the ${this.params.budget} remain in this task`;
    }
    for (const [x, t] of points) {
      if (!(x > 0 && x < 1 && t > 0 && t < HORIZON)) {
        return `point (${x}, ${t}) is outside 0 < x < 1, 0 < t < ${HORIZON}`;
      }
    }
    const fresh: Sample[] = [];
    for (const [x, t] of points) {
      // Snap to an interior node where the central differences exist.
      const i = Math.min(NX - 1, Math.max(1, Math.round(x / DX)));
      const n = Math.min(NT - 1, Math.max(1, Math.round(t / DT)));
      const sigma = this.params.noise;
      const u = this.task.solution[n][i] + (sigma / 4) * this.noise.normal();
      const r = residualAt(this.task.solution, this.task.spec, n, i) + sigma * this.noise.normal();
      const s: Sample = { x: round(i * DX, 2), t: round(n * DT, 2), u: round(u, 4), r: round(r, 4) };
      fresh.push(s);
      this.samples.push(s);
      this.pack.evidence.push({ task: this.task.index, u: s.u, r: s.r });
    }
    this.budgetLeft -= points.length;
    this.last = { kind: 'sample', samples: fresh };
    return undefined;
  }

  /** Read through a method: TypeScript cannot see that apply() may have ended the episode. */
  private endState(): EpisodeEnd | undefined {
    return this.end;
  }

  formatError(reason: string): EpisodeEnd {
    if (this.end) return this.end;
    const {
      done: _d,
      observation: _o,
      ...end
    } = this.finish(
      'format_error',
      0,
      `Format error: ${String(reason).slice(0, 200)}. Expected <answer>ACTION</answer>. Game over.`,
    );
    return end;
  }

  private finish(outcome: Outcome, reward: number, feedback: string): StepResult & { done: true } {
    this.end = { outcome, success: outcome === 'success', reward, feedback };
    return { done: true, observation: this.observation(), ...this.end };
  }
}
