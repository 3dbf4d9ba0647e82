/**
 * One task of a paper PDE pack, as the reference plays it (agentscope-ai/Trinity-RFT @ 139d1c43,
 * connect_the_dots/pde_discovery/workflow.py, CoDPDEDiscoveryWorkflow): one XML action per step (parse_xml_answer),
 * dispatched to sample_pde_data, summarize_pack_evidence, run_sparse_regression or update_scientific_context. A
 * handler's error is feedback and costs the step; an unparsable answer, arguments that are not a mapping or an
 * unknown action end the task as a format error (reward 0). An accepted update_scientific_context ends the task with
 * the hidden-formula reward; running out of steps gives 0. The final feedback (_get_feedback) holds the latest
 * sampled-data diagnostic, finalised equation and regression candidate, never the law or the reward; the update
 * prompt's trajectory is the reference's (system prompt, then each step's user turn and whole response) with the
 * user turns before the last two reduced to "[History compressed.]" after their "Action feedback:" (_compress_memory);
 * the same rule (PAPER_PDE_HISTORY) shortens the running conversation, applied by the lifecycle.
 */
import { compressUserTurns, type HistoryCompression } from '../../../history-compression.ts';
import { Rng } from '../../../seed.ts';
import type { EpisodeEnd, Outcome, StepResult, TaskEpisode } from '../../../sdk.ts';
import { paperSystemPrompt, paperUserPrompt, supportSizeHint, type EvidenceMemory } from './prompts.ts';
import { pyFloatOf, pyFormatG, pyRepr, pyStr, pyStrip, type XmlValue } from './py.ts';
import {
  candidateObjectiveDiagnostics,
  sparseRegression,
  type CandidateDiagnostic,
  type RegressionResult,
} from './regression.ts';
import {
  candidateCoefficients,
  candidateSupport,
  PAPER_DICTIONARY,
  reactionValue,
  sanitizeDictionary,
  symbolicCoefficientTokens,
} from './terms.ts';
import type { Dataset, PaperPackState, PaperPdeWorld } from './world.ts';
import { parseXmlAction, parseXmlAnswer, type XmlAnswerParse } from './xml-answer.ts';
import type { PaperPdeView } from './view.ts';

/** XML_LIST_TAGS: elements whose children form a list. */
const LIST_TAGS: ReadonlySet<string> = new Set(['dictionary', 'candidate_equations', 'uncertain_terms']);
const DICTIONARY: readonly string[] = PAPER_DICTIONARY;
const FORMAT_ERROR = 'Invalid format: expected exactly one XML action wrapped in <answer>...</answer>. Game over.';

/**
 * _compress_memory, after every step: user turns before the newest two lose what follows their first "Action
 * feedback:" (split(...)[0] + "Action feedback:\n[History compressed.]"); the next request adds one more turn, so
 * the model sees its last three user turns whole.
 */
export const PAPER_PDE_HISTORY: HistoryCompression = {
  keepWholeUserTurns: 3,
  marker: 'Action feedback:',
  replacement: 'Action feedback:\n[History compressed.]',
};

type Handled = { readonly feedback: string; readonly terminated: boolean; readonly formatError: boolean };
const info = (feedback: string): Handled => ({ feedback, terminated: false, formatError: false });

const g3 = (x: number) => pyFormatG(x, 3);
const g4 = (x: number) => pyFormatG(x, 4);
const min = (xs: readonly number[]) => xs.reduce((a, b) => (a < b || Number.isNaN(a) ? a : b));
const max = (xs: readonly number[]) => xs.reduce((a, b) => (a > b || Number.isNaN(a) ? a : b));

interface LastRegression {
  readonly datasetId: string;
  readonly dictionary: readonly string[];
  readonly result: RegressionResult;
}

export class PaperPdeEpisode implements TaskEpisode {
  readonly maxTurns: number;
  readonly historyCompression = PAPER_PDE_HISTORY;
  private readonly position: number;
  private readonly system: string;
  private steps = 0;
  private budgetRemaining: number;
  private actionFeedback: string | null = null;
  private lastSampledMaxError: number | null = null;
  private lastRegression: LastRegression | null = null;
  private lastCandidates: readonly CandidateDiagnostic[] = [];
  private sampledThisTask = false;
  private finalized: { readonly equation: string; readonly support: readonly string[] } | null = null;
  /** Each step's user turn and whole response (the reference's memory). */
  private readonly memory: Array<{ observation: string; response: string }> = [];
  private end: EpisodeEnd | undefined;

  constructor(
    readonly taskId: string,
    /** 0-based task index; the reference's task_position is index + 1. */
    index: number,
    private readonly world: PaperPdeWorld,
    private readonly pack: PaperPackState,
  ) {
    const p = world.params;
    this.maxTurns = p.maxSteps;
    this.position = index + 1;
    this.budgetRemaining = p.pointBudget;
    this.system = paperSystemPrompt(DICTIONARY, supportSizeHint(p.minTerms, p.maxTerms, DICTIONARY.length));
  }

  rules(): string {
    return this.system;
  }

  observation(): string {
    const p = this.world.params;
    return paperUserPrompt({
      taskPosition: this.position,
      packSize: this.world.packSize,
      currentStep: this.steps + 1,
      maxSteps: p.maxSteps,
      pointBudget: p.pointBudget,
      budgetRemaining: this.budgetRemaining,
      taskDescription: p.taskDescription,
      availableDatasets: [...this.pack.datasets.keys()].sort(),
      lastSampledMaxError: this.lastSampledMaxError,
      evidenceMemory: this.pack.evidenceMemory,
      actionFeedback: this.actionFeedback,
    });
  }

  turnsUsed(): number {
    return this.steps;
  }

  step(action: string, response?: string): StepResult {
    if (this.end) return { done: true, ...this.end };
    const shown = this.observation();
    const text = typeof response === 'string' ? response : `<answer>${String(action)}</answer>`;
    // The whole response is parsed as the reference parses it (the block's content untrimmed).
    const parsed: XmlAnswerParse =
      typeof response === 'string' ? parseXmlAnswer(response, LIST_TAGS) : parseXmlAction(String(action), LIST_TAGS);
    this.memory.push({ observation: shown, response: text });
    this.steps++;
    const handled: Handled = parsed.ok
      ? this.execute(parsed.action.action, parsed.action.args)
      : {
          feedback: FORMAT_ERROR,
          terminated: true,
          formatError: true,
        };
    this.actionFeedback = handled.feedback;
    if (handled.formatError) return this.finish('format_error', 0, handled.feedback);
    const ended = this.ended();
    if (handled.terminated && ended) return { done: true, observation: this.observation(), ...ended };
    if (this.steps >= this.maxTurns) {
      // reward_async: no update_scientific_context, reward 0; an unset diagnostic becomes the blind penalty.
      if (this.lastSampledMaxError === null) this.lastSampledMaxError = this.world.params.blindPenalty;
      return this.finish('out_of_turns', 0, this.finalFeedback());
    }
    return { done: false, observation: this.observation() };
  }

  formatError(_reason: string, response?: string): EpisodeEnd {
    if (this.end) return this.end;
    this.memory.push({ observation: this.observation(), response: response ?? '' });
    this.steps++;
    this.actionFeedback = FORMAT_ERROR;
    const { done: _d, observation: _o, ...end } = this.finish('format_error', 0, FORMAT_ERROR);
    return end;
  }

  view(): PaperPdeView {
    const p = this.world.params;
    const r = this.lastRegression;
    return {
      domain: 'pde',
      variant: 'paper',
      taskId: this.taskId,
      taskPosition: this.position,
      packSize: this.world.packSize,
      step: this.steps,
      maxSteps: p.maxSteps,
      pointBudget: p.pointBudget,
      budgetRemaining: this.budgetRemaining,
      dictionary: DICTIONARY,
      minTerms: p.minTerms,
      maxTerms: p.maxTerms,
      datasets: [...this.pack.datasets.keys()].sort(),
      sampledThisTask: this.sampledThisTask,
      lastSampledMaxError: this.lastSampledMaxError,
      actionFeedback: this.actionFeedback,
      lastRegression: r
        ? {
            datasetId: r.datasetId,
            dictionary: r.dictionary,
            equation: r.result.equation,
            relativeMargin: r.result.relativeMargin,
            candidates: r.result.candidateDiagnostics.map((c) => ({
              equation: c.equation,
              support: c.support,
              trainingMaxError: c.trainingMaxError,
            })),
          }
        : null,
      evidenceMemory: this.pack.evidenceMemory,
      finalized: this.finalized,
      done: this.end !== undefined,
    };
  }

  /** _execute_action. */
  private execute(action: string, args: XmlValue): Handled {
    if (typeof args !== 'object' || Array.isArray(args)) {
      return { feedback: 'Invalid action arguments. Game over.', terminated: true, formatError: true };
    }
    const a = args as Readonly<Record<string, XmlValue>>;
    switch (action) {
      case 'sample_pde_data':
        return this.sample(a);
      case 'summarize_pack_evidence':
        return this.summarize(a);
      case 'run_sparse_regression':
        return this.regress(a);
      case 'update_scientific_context':
        return this.updateContext(a);
      default:
        return {
          feedback: `Invalid action: unknown action '${action}'. Game over.`,
          terminated: true,
          formatError: true,
        };
    }
  }

  /** _action_summarize_pack_evidence. */
  private summarize(args: Readonly<Record<string, XmlValue>>): Handled {
    const raw = pyStr(args.reveal_equations ?? 'false').toLowerCase();
    if (raw !== 'true' && raw !== 'false') return info('Error: reveal_equations must be true or false.');
    const reveal = raw === 'true';
    const history = this.pack.evidenceHistory;
    if (history.length === 0) {
      return info(
        'Pack evidence summary: no prior task evidence has been recorded in this pack. Start with current-task ' +
          'measurements.',
      );
    }
    const slots = new Map<string, { id: string; tasks: Set<string> }>();
    for (const entry of history) {
      const equation = pyStrip(entry.preferredEquation);
      if (!equation) continue;
      if (!slots.has(equation)) slots.set(equation, { id: `H${slots.size + 1}`, tasks: new Set() });
      slots.get(equation)?.tasks.add(String(entry.taskPosition));
    }
    if (slots.size === 0) {
      return info(
        'Pack evidence summary: prior notes exist, but no tested candidate slots are available. Use current-task ' +
          'actions to build evidence.',
      );
    }
    const lines = ['Pack evidence summary; historical hypotheses, not ground truth.'];
    for (const [equation, slot] of slots) {
      const pieces = [`${slot.id}: tasks=${[...slot.tasks].sort().join(',') || 'unknown'}`];
      if (reveal) pieces.push(`agent_recorded_equation=${equation}`);
      lines.push(`${pieces.join('; ')}.`);
    }
    if (!reveal) {
      lines.push(
        'Call summarize_pack_evidence with reveal_equations=true only if you need to actively reuse prior ' +
          'agent-recorded candidates.',
      );
    }
    return info(lines.join('\n'));
  }

  /** _action_sample_pde_data with _normalize_point_grid and _sample_grid_points. */
  private sample(args: Readonly<Record<string, XmlValue>>): Handled {
    if (args.points !== undefined) {
      return info(
        'Error: explicit points are not supported. Use point_grid with one point element per numeric x and t ' +
          'coordinate pair.',
      );
    }
    if (args.point_grid === undefined) {
      return info(
        'Error: sample_pde_data supports only point_grid. Provide one point element per numeric x and t ' +
          'coordinate pair.',
      );
    }
    const points = normalizePointGrid(args.point_grid);
    if (points === null) {
      return info(
        'Error: each point in point_grid must contain numeric x and t values with 0 < x < 1 and 0 <= t <= 1.',
      );
    }
    if (points.length > this.budgetRemaining) {
      return info(`Error: requested ${points.length} points but only ${this.budgetRemaining} budget remains.`);
    }
    const pack = this.pack;
    pack.sampleCounter += 1;
    const datasetId = `ds_t${this.position}_${pack.sampleCounter}`;
    const traj = this.world.trajectory((this.position - 1) % this.world.packSize);
    const noise = Rng.of('pde-paper', this.world.seed, 'sample-noise', this.position, pack.sampleCounter);
    const x = points.map((pt) => pt[0]);
    const t = points.map((pt) => pt[1]);
    const u = points.map(([px, pt]) => traj.interpolate('u', px, pt));
    const y = points.map(([px, pt]) => traj.interpolate('y', px, pt));
    const level = this.world.params.noiseLevel;
    for (let i = 0; i < u.length; i++) u[i] += 0.0 + level * noise.normal();
    for (let i = 0; i < y.length; i++) y[i] += 0.0 + level * 0.25 * noise.normal();
    const data: Dataset = { x, t, u, y, taskPosition: this.position };
    pack.datasets.set(datasetId, data);
    this.sampledThisTask = true;
    this.budgetRemaining -= points.length;
    const meanT = t.reduce((s, v) => s + v, 0) / t.length;
    return info(
      `Sampled ${points.length} points. Dataset: ${datasetId}. Point budget remaining: ` +
        `${this.budgetRemaining}/${this.world.params.pointBudget}. Sampling mode: point_grid. ` +
        `Region: x in [${g3(min(x))}, ${g3(max(x))}], t in [${g3(min(t))}, ${g3(max(t))}]. ` +
        `mean t = ${g3(meanT)}. Dataset coverage: ${coverageReport(data)}.`,
    );
  }

  /** _resolve_dataset: an id, merged_all / merged (every dataset, ids sorted) or merged_tA_tB (task range). */
  private resolveDataset(id: string): Dataset | null {
    const datasets = this.pack.datasets;
    const exact = datasets.get(id);
    if (exact) return exact;
    let ids: string[];
    if (id === 'merged_all' || id === 'merged') ids = [...datasets.keys()].sort();
    else {
      const m = /^merged_t(\d+)_t(\d+)$/.exec(id);
      if (!m) return null;
      const lo = Number(m[1]);
      const hi = Number(m[2]);
      ids = [...datasets].filter(([, d]) => lo <= d.taskPosition && d.taskPosition <= hi).map(([k]) => k);
    }
    if (ids.length === 0) return null;
    const parts = ids.map((k) => datasets.get(k) as Dataset);
    return {
      x: parts.flatMap((d) => d.x),
      t: parts.flatMap((d) => d.t),
      u: parts.flatMap((d) => d.u),
      y: parts.flatMap((d) => d.y),
      taskPosition: 0,
    };
  }

  /** _action_run_sparse_regression. */
  private regress(args: Readonly<Record<string, XmlValue>>): Handled {
    const datasetId = pyStr(args.dataset_id ?? 'merged_all');
    const data = this.resolveDataset(datasetId);
    if (data === null) return info(`Error: dataset_id '${datasetId}' was not found.`);
    const rawDictionary = args.dictionary;
    const rawCandidates = args.candidate_equations;
    const candidates = Array.isArray(rawCandidates) && rawCandidates.length > 0 ? (rawCandidates as XmlValue[]) : null;
    if (candidates && candidates.length > 8) return info('Error: candidate_equations accepts at most 8 equations.');
    if (rawDictionary === undefined && !candidates) {
      return info('Error: run_sparse_regression requires an agent-specified dictionary or candidate_equations.');
    }
    if (rawDictionary !== undefined && (!Array.isArray(rawDictionary) || rawDictionary.length === 0)) {
      return info('Error: dictionary must be a non-empty list of supported terms.');
    }
    let dictionary = sanitizeDictionary(rawDictionary, DICTIONARY);
    if (
      rawDictionary !== undefined &&
      !(rawDictionary as XmlValue[]).some((t) => typeof t === 'string' && DICTIONARY.includes(t))
    ) {
      return info('Error: dictionary did not contain any supported basis terms.');
    }
    let allowed: string[][] | null = null;
    if (candidates) {
      const texts = candidates
        .slice(0, 8)
        .map((c) => pyStrip(pyStr(c)))
        .filter((c) => c !== '');
      allowed = [];
      for (const c of texts) {
        const support = candidateSupport(c, dictionary, DICTIONARY);
        if (support.length > 0) allowed.push(support);
      }
      if (allowed.length === 0) {
        return info('Error: candidate_equations did not contain any supported dictionary terms.');
      }
      if (rawDictionary === undefined) {
        const union = new Set(allowed.flat());
        dictionary = DICTIONARY.filter((t) => union.has(t));
      }
    }
    if (dictionary.length === 0) return info('Error: run_sparse_regression has no selected supported terms to score.');
    const alpha = args.alpha === undefined ? 0.05 : pyFloatOf(args.alpha);
    const threshold = args.threshold === undefined ? 0.05 : pyFloatOf(args.threshold);
    if (alpha === null || threshold === null) return info('Error: alpha and threshold must be numeric when provided.');
    if (![alpha, threshold].every((v) => Number.isFinite(v) && v >= 0.0)) {
      return info('Error: alpha and threshold must be finite non-negative numbers.');
    }
    const p = this.world.params;
    const result = sparseRegression({
      u: data.u,
      y: data.y,
      dictionary,
      threshold,
      maxReactionTerms: p.maxTerms,
      blindPenalty: p.blindPenalty,
      kappaThreshold: p.kappaThreshold,
      allowedSupports: allowed,
    });
    const feedback =
      result.feedback +
      ` Fit dataset coverage: ${coverageReport(data)}. Objective scope: current sampled dataset only; use it as a ` +
      'local fit and conditioning check before committing an equation. ' +
      pointErrorReport(data, result.coefficients);
    this.lastSampledMaxError = result.penalty;
    this.lastRegression = { datasetId, dictionary, result };
    this.lastCandidates = result.candidateDiagnostics;
    this.pack.latestRegressionEquation = result.equation;
    return info(feedback);
  }

  /** _action_update_scientific_context. */
  private updateContext(args: Readonly<Record<string, XmlValue>>): Handled {
    // note and uncertain_terms are recorded by the reference but shown nowhere; only their count is checked.
    const preferred = pyStrip(pyStr(args.preferred_equation ?? ''));
    const rawUncertain = args.uncertain_terms ?? [];
    const uncertain = Array.isArray(rawUncertain) ? rawUncertain : [pyStr(rawUncertain)];
    if (uncertain.length > 4) return info('Error: uncertain_terms accepts at most 4 terms.');
    if (!preferred) {
      return info(
        'Error: update_scientific_context requires preferred_equation. Choose the equation you want to finalize ' +
          'from the sampled-data diagnostics. This may be the latest regression candidate or another candidate ' +
          'scored by run_sparse_regression.',
      );
    }
    const tokens = symbolicCoefficientTokens(preferred);
    if (tokens.length > 0) {
      return info(
        `Error: preferred_equation contains symbolic coefficient(s): ${tokens.join(', ')}. ` +
          'update_scientific_context requires explicit numeric coefficients from a tested candidate, not ' +
          'placeholders such as c1/c2/a/b.',
      );
    }
    if (!this.sampledThisTask) {
      return info(
        'Error: update_scientific_context requires current-task sample_pde_data evidence in the current task. ' +
          'Choose point_grid coordinates, sample them, then run sparse regression before updating scientific context.',
      );
    }
    const last = this.lastRegression;
    if (!last) {
      return info(
        'Error: update_scientific_context requires at least one run_sparse_regression call in the current task. ' +
          'Run regression on an available dataset first so the task has a current equation and sampled-data evidence.',
      );
    }
    const coefficients = candidateCoefficients(preferred, DICTIONARY);
    if (coefficients.size === 0) {
      return info(
        'Error: preferred_equation did not parse into dictionary terms. Use an explicit equation built from ' +
          'supported dictionary terms with numeric coefficients.',
      );
    }
    const close = (a: number, b: number) =>
      Math.abs(a - b) <= Math.max(1e-9 * Math.max(Math.abs(a), Math.abs(b)), 1e-12);
    const scored = this.lastCandidates.some((c) => {
      const theirs = candidateCoefficients(c.equation, DICTIONARY);
      return DICTIONARY.every((t) => close(coefficients.get(t) ?? 0, theirs.get(t) ?? 0));
    });
    if (!scored)
      return info('Error: preferred_equation must match a candidate scored by the latest run_sparse_regression call.');
    const data = this.resolveDataset(last.datasetId) ?? this.resolveDataset('merged_all');
    if (!data)
      return info('Error: preferred_equation must match a candidate scored by the latest run_sparse_regression call.');
    const d = candidateObjectiveDiagnostics(
      preferred,
      data,
      last.dictionary,
      DICTIONARY,
      this.lastCandidates,
      this.world.params.kappaThreshold,
    );
    this.lastSampledMaxError = d.stepPenalty;
    const reward = hiddenFormulaReward(preferred, this.world.law.coefficients, this.world.law.terms.length);
    const pack = this.pack;
    pack.preferredEquation = preferred;
    pack.preferredSupport = d.support;
    pack.preferredCoefficients = d.coefficients;
    const finite = data.u.filter(Number.isFinite);
    const evidence: EvidenceMemory = {
      taskEvidenceStatus: 'recorded',
      n: finite.length,
      uSpan: finite.length === 0 ? 0.0 : max(finite) - min(finite),
      relativeMargin: d.relativeMargin,
      preferredSampledMaxError: d.trainingMaxError,
    };
    pack.evidenceMemory = evidence;
    pack.evidenceHistory = [
      ...pack.evidenceHistory,
      { taskPosition: this.position, preferredEquation: preferred },
    ].slice(-this.world.packSize);
    this.finalized = { equation: preferred, support: d.support };
    const feedback =
      `Task terminated. reward_equation=${preferred}; sampled-data max error=${g3(d.trainingMaxError)}; ` +
      `condition penalty=${g3(d.conditionPenalty)}; closest different-support candidate=${d.secondBestEquation}; ` +
      `relative margin=${g3(d.relativeMargin)}.`;
    this.finish(reward.reward > 0.5 ? 'success' : 'failure', reward.reward, this.finalFeedback());
    return { feedback, terminated: true, formatError: false };
  }

  /** Read through a method: TypeScript cannot see that a handler may have ended the episode. */
  private ended(): EpisodeEnd | undefined {
    return this.end;
  }

  /** _get_feedback (a format error shows its own message instead). */
  private finalFeedback(): string {
    const e = this.lastSampledMaxError;
    return [
      `Latest sampled-data diagnostic: ${e !== null ? pyRepr(e) : 'none'}`,
      `Latest finalized equation: ${this.pack.preferredEquation || 'none'}`,
      `Latest regression candidate: ${this.pack.latestRegressionEquation || 'none'}`,
    ].join('\n');
  }

  /** _build_trajectory over the memory as _compress_memory leaves it after the last step. */
  private trajectory(): string {
    // No new turn follows the last step's compression: one fewer user turn than in a request stays whole.
    const shown = compressUserTurns(
      this.memory.map((m) => m.observation),
      PAPER_PDE_HISTORY,
      PAPER_PDE_HISTORY.keepWholeUserTurns - 1,
    );
    const parts = [`System:\n${this.system}`];
    this.memory.forEach((m, i) => parts.push(`Step ${i + 1}:\nObservation: ${shown[i]}\nAction: ${m.response}`));
    return parts.join('\n\n');
  }

  private finish(outcome: Outcome, reward: number, feedback: string): StepResult & { done: true } {
    this.end = { outcome, success: outcome === 'success', reward, feedback, trajectory: this.trajectory() };
    return { done: true, observation: this.observation(), ...this.end };
  }
}

/** _normalize_point_grid: the (x, t) pairs, or null when any is missing, not numeric or out of range. */
export function normalizePointGrid(raw: XmlValue): Array<[number, number]> | null {
  if (typeof raw !== 'object' || Array.isArray(raw)) return null;
  let points = (raw as Readonly<Record<string, XmlValue>>).point;
  if (points !== undefined && typeof points === 'object' && !Array.isArray(points)) points = [points];
  if (!Array.isArray(points)) return null;
  const xs: number[] = [];
  const ts: number[] = [];
  for (const pt of points as XmlValue[]) {
    if (typeof pt !== 'object' || Array.isArray(pt)) return null;
    const rec = pt as Readonly<Record<string, XmlValue>>;
    if (rec.x === undefined || rec.t === undefined) return null;
    const x = pyFloatOf(rec.x);
    const t = pyFloatOf(rec.t);
    if (x === null || t === null) return null;
    xs.push(x);
    ts.push(t);
  }
  if (xs.length === 0) return null;
  if (xs.some((v) => !(v > 0.0 && v < 1.0))) return null;
  if (ts.some((v) => !(v >= 0.0 && v <= 1.0))) return null;
  return xs.map((x, i) => [x, ts[i]]);
}

/** _coverage_report. */
export function coverageReport(d: Pick<Dataset, 'x' | 't' | 'u'>): string {
  if (d.u.length === 0) return 'empty dataset';
  const pieces = [`n=${d.u.length}`, `u=[${g3(min(d.u))},${g3(max(d.u))}]`];
  if (d.x.length > 0) pieces.push(`x_span=${g3(max(d.x) - min(d.x))}`);
  if (d.t.length > 0) pieces.push(`t_span=${g3(max(d.t) - min(d.t))}`);
  return pieces.join('; ');
}

/** _point_error_report. */
export function pointErrorReport(d: Dataset, coefficients: ReadonlyMap<string, number>): string {
  if (d.u.length === 0) return 'Sampled-point errors: unavailable.';
  const rows = d.u.map((u, i) => {
    const pred = reactionValue(u, coefficients);
    const err = Math.abs(d.y[i] - pred);
    return `(x=${g4(d.x[i])}, t=${g4(d.t[i])}, u=${g4(u)}, y=${g4(d.y[i])}, pred=${g4(pred)}, abs_error=${g4(err)})`;
  });
  return `Sampled-point errors: ${rows.join('; ')}.`;
}

/**
 * _hidden_formula_reward_diagnostics: Σ over every dictionary term |ĉ − c| / max(1e-8, Σ|c|), plus one per
 * committed term beyond the law's term count; reward 1 / (1 + loss).
 */
export function hiddenFormulaReward(
  candidate: string,
  target: ReadonlyMap<string, number>,
  targetSupportSize: number,
): { readonly normalizedL1: number; readonly extraSupport: number; readonly loss: number; readonly reward: number } {
  const pred = candidateCoefficients(candidate, DICTIONARY);
  let targetL1 = 0;
  for (const v of target.values()) targetL1 += Math.abs(v);
  let diff = 0;
  for (const term of DICTIONARY) diff += Math.abs((pred.get(term) ?? 0) - (target.get(term) ?? 0));
  const normalizedL1 = diff / Math.max(1e-8, targetL1);
  const predSize = [...pred.values()].filter((v) => Math.abs(v) > 1e-12).length;
  const extraSupport = Math.max(0, predSize - targetSupportSize);
  const loss = normalizedL1 + extraSupport;
  return { normalizedL1, extraSupport, loss, reward: 1.0 / (1.0 + loss) };
}
