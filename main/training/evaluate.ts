/**
 * One evaluation suite of a curriculum (cod-method.md §5) played through the real lifecycle runner: held-out packs
 * of the suite's domain and preset, one rollout per pack, the curriculum's rendering / prompts / memory / lifecycle
 * knobs, and per-position mean task reward with a Student-t 95% interval over lifecycles.
 *
 * Held-out packs: the instance seed is sha256(datasetId, domain, split, index) (main/cod/packs.ts). Evaluation uses
 * split 'eval' and a dataset id made of the suite name and the seed, so its instances never coincide with the
 * trainer's (split 'train') and two suites never share draws by accident. The packs and the per-lifecycle sampling
 * seeds depend only on (suite, seed, seedSalt): two checkpoints evaluated with the same arguments play identical
 * packs with identical request seeds, which is what makes `compareSuites` a paired comparison.
 *
 * Baselines the spec asks to show beside a model: 'none' (empty context every task), 'append_log' (the truncated
 * log of past trajectories, at the curriculum's memory budget) and 'oracle_notes' (the domain's scripted oracle
 * writes the notes; the model still solves every task).
 */
import { CodError } from '../base/errors.ts';
import { curriculumLifecycleConfig } from './curriculum/lifecycle-config.ts';
import type { LifecycleConfig } from '../cod/config.ts';
import { lifecycleMetrics } from '../cod/metrics.ts';
import { planPacks, type PackSpec } from '../cod/packs.ts';
import type { Policy } from '../cod/policy.ts';
import type { LifecycleResult, MemoryMode } from '../cod/records.ts';
import { lifecycleSpecs, runRollout } from '../cod/rollout.ts';
import type { SchedulerOptions } from '../cod/scheduler.ts';
import { ScriptedPolicy, requireScriptedAgents } from '../cod/scripted-policy.ts';
import type { EnvHost } from '../envs/host.ts';
import { getDomain } from '../envs/registry.ts';
import type { Domain, DomainWithAgents } from '../envs/sdk.ts';
import type { Curriculum, EvalKind, EvalSuite } from './curriculum/schema.ts';
import type { CodEffectStat } from '../api/jobs.ts';
import { positionRise } from './paired-stats.ts';

/** The split of every evaluation pack; the trainer draws its packs from 'train'. */
export const EVAL_SPLIT = 'eval';

export type EvalBaseline = 'none' | 'append_log' | 'oracle_notes';
export const EVAL_BASELINES: readonly EvalBaseline[] = ['none', 'append_log', 'oracle_notes'];

/** The dataset id of one seed's draw of a suite's held-out packs. */
export function evalDatasetId(suite: Pick<EvalSuite, 'name'>, seed: number): string {
  return `eval-${suite.name}-s${seed}`;
}

/** Every held-out pack of a suite: `packs` instances per seed, seeds in the suite's order. */
export function suitePacks(suite: EvalSuite): PackSpec[] {
  return suite.seeds.flatMap((seed) =>
    planPacks({
      datasetId: evalDatasetId(suite, seed),
      domain: suite.domain,
      preset: suite.preset,
      ...(suite.options ? { options: suite.options } : {}),
      split: EVAL_SPLIT,
      strategy: suite.packStrategy,
      packSize: suite.packSize,
      count: suite.packs,
    }),
  );
}

/** The suite by name, or one CodError listing the curriculum's suites. */
export function findSuite(curriculum: Curriculum, name: string): EvalSuite {
  const s = curriculum.evals.find((e) => e.name === name);
  if (!s) {
    const known = curriculum.evals.map((e) => e.name).join(', ') || 'none';
    throw new CodError('not_found', `curriculum '${curriculum.name}' has no eval suite '${name}' (suites: ${known})`);
  }
  return s;
}

export interface PositionResult {
  /** Pack position (an attempt index under the Ralph strategies). */
  readonly k: number;
  /** Completed lifecycles with a task at k. */
  readonly n: number;
  /** Mean task reward r^x at k; null when n = 0. */
  readonly mean: number | null;
  /** Student-t 95% interval over lifecycles; null when n < 2. */
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  readonly successRate: number | null;
  readonly formatErrorRate: number | null;
  /** Share of the updates after task k whose hints parsed (null: no update after k). */
  readonly hintParseRate: number | null;
  readonly updateReward: number | null;
  /** Mean length of the context body the task at k was solved with. */
  readonly hintChars: number | null;
  readonly envSteps: number | null;
}

export interface SuiteResult {
  readonly suite: string;
  readonly kind: EvalKind;
  readonly domain: string;
  readonly preset: string;
  readonly strategy: EvalSuite['packStrategy'];
  readonly packSize: number;
  readonly seeds: readonly number[];
  readonly seedSalt: string;
  readonly baseline: EvalBaseline | null;
  readonly memory: MemoryMode;
  readonly policy: string;
  readonly updatePolicy: string;
  readonly unit: 'position' | 'attempt';
  readonly positions: PositionResult[];
  /** formatErrorRate of each position, in position order. */
  readonly formatErrorRate: (number | null)[];
  readonly hintParseRate: number | null;
  readonly meanHintChars: number | null;
  readonly updateReward: number | null;
  readonly failedLifecycles: number;
  /** Every lifecycle played, in pack order (seed, then pack index): what compare pairs and the store keeps. */
  readonly lifecycles: LifecycleResult[];
}

export interface EvaluateSuiteArgs {
  readonly suite: EvalSuite;
  readonly curriculum: Curriculum;
  /** Solves every task (and writes the notes unless `updatePolicy` or the oracle_notes baseline is given). */
  readonly policy: Policy;
  readonly updatePolicy?: Policy;
  readonly host: EnvHost;
  readonly baseline?: EvalBaseline;
  /**
   * Tasks (pack positions) played so far, out of all the suite's tasks. Tasks, not lifecycles: every lifecycle runs
   * at once and they all end near the end, so a count of lifecycles stays at 0 for almost the whole evaluation.
   */
  readonly onProgress?: (done: number, total: number) => void;
  /** Mixed into the lifecycle seeds (not the packs): another salt draws other samples on the same packs. */
  readonly seedSalt?: string;
  /** Keep every model call in the results (default true; the store wants them, a sweep may not). */
  readonly keepRecords?: boolean;
  /** The domain whose scripted oracle writes notes under 'oracle_notes' (default: the built-in registry). */
  readonly resolveDomain?: (id: string) => Domain;
  /** Stop the evaluation early: it rejects with the signal's reason and returns no result. */
  readonly signal?: AbortSignal;
  /** The lifecycle scheduler's batching (default: DEFAULT_SCHEDULER); several samplers want a batch in flight each. */
  readonly scheduler?: Partial<SchedulerOptions>;
  /** Called as each lifecycle ends (progress by lifecycle; tasks come through onProgress). */
  readonly onLifecycle?: (l: LifecycleResult) => void;
}

/** The lifecycle runner's settings for a suite: the curriculum's knobs, the memory mode a baseline needs. */
export function suiteLifecycleConfig(curriculum: Curriculum, baseline?: EvalBaseline): LifecycleConfig {
  const memory: MemoryMode =
    baseline === 'none' ? 'none' : baseline === 'append_log' ? 'append_log' : baseline ? 'notes' : curriculum.memory;
  return curriculumLifecycleConfig(curriculum, memory, 'eval');
}

const finite = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;

export function checkBaseline(b: unknown): EvalBaseline {
  if (!EVAL_BASELINES.includes(b as EvalBaseline))
    throw new CodError('bad_input', `unknown baseline '${String(b)}' (${EVAL_BASELINES.join(', ')})`, 'baseline');
  return b as EvalBaseline;
}

/** Per-position and summary metrics of a suite's lifecycles (lifecycleMetrics, flattened to JSON-safe numbers). */
export function summarizeLifecycles(lifecycles: readonly LifecycleResult[]) {
  const m = lifecycleMetrics(lifecycles);
  const positions: PositionResult[] = m.positions.map((p) => ({
    k: p.position,
    n: p.n,
    mean: finite(p.reward.mean),
    ci_low: finite(p.reward.lo),
    ci_high: finite(p.reward.hi),
    successRate: finite(p.successRate),
    formatErrorRate: finite(p.formatErrorRate),
    hintParseRate: finite(p.hintParseRate),
    updateReward: finite(p.updateReward),
    hintChars: finite(p.hintChars),
    envSteps: finite(p.envSteps),
  }));
  return {
    unit: m.unit,
    positions,
    formatErrorRate: positions.map((p) => p.formatErrorRate),
    hintParseRate: m.hintParseRate,
    meanHintChars: m.meanHintChars,
    updateReward: m.updateReward,
    failedLifecycles: m.failedLifecycles,
  };
}

/** The suite's settings checked, and what writes its notes: the evaluation before any lifecycle runs. */
function planSuite(args: SuitePlanArgs) {
  const { suite, curriculum } = args;
  if (!curriculum.evals.some((e) => e.name === suite.name))
    throw new CodError('bad_input', `suite '${suite.name}' is not one of curriculum '${curriculum.name}''s`, 'suite');
  const baseline = args.baseline === undefined ? undefined : checkBaseline(args.baseline);
  if (baseline === 'oracle_notes' && args.updatePolicy)
    throw new CodError('bad_input', 'the oracle_notes baseline brings its own update policy', 'updatePolicy');
  const config = suiteLifecycleConfig(curriculum, baseline);
  const seedSalt = args.seedSalt ?? '';

  let updatePolicy = args.updatePolicy;
  if (baseline === 'oracle_notes') {
    let domain: DomainWithAgents;
    try {
      domain = requireScriptedAgents((args.resolveDomain ?? getDomain)(suite.domain));
    } catch (e) {
      // Plugin domains run sandboxed, so their agents cannot write notes in this process.
      const why = e instanceof Error ? e.message : String(e);
      throw new CodError(
        'unsupported',
        `the oracle_notes baseline needs a domain with scripted agents (${why})`,
        suite.name,
      );
    }
    // A fresh agent per task: its notes come from the previous hints and the model's episode only.
    updatePolicy = new ScriptedPolicy(domain, {
      kind: 'oracle',
      seed: `eval-oracle-notes:${suite.name}:${seedSalt}`,
      agentScope: 'task',
    });
  }
  return { baseline, config, seedSalt, updatePolicy };
}

/** What names an evaluation's settings, without the environment host or progress. */
export type SuitePlanArgs = Pick<
  EvaluateSuiteArgs,
  'suite' | 'curriculum' | 'policy' | 'updatePolicy' | 'baseline' | 'seedSalt' | 'resolveDomain'
>;

/** The lifecycle ids a suite's evaluation plays, in pack order: what a stored evaluation of it must hold. */
export function suiteLifecycleIds(suite: EvalSuite): string[] {
  return lifecycleSpecs(suitePacks(suite), 1).map((s) => s.lifecycleId);
}

/**
 * The result of playing `lifecycles` as the evaluation `args` describes: evaluateSuite's own, and an evaluation read
 * back from the cache (main/training/eval-cache.ts), built the same way.
 */
export function suiteResultOf(args: SuitePlanArgs, lifecycles: LifecycleResult[]): SuiteResult {
  const { suite } = args;
  const { baseline, config, seedSalt, updatePolicy } = planSuite(args);
  const usesUpdates = config.memory === 'notes';
  return {
    suite: suite.name,
    kind: suite.kind,
    domain: suite.domain,
    preset: suite.preset,
    strategy: suite.packStrategy,
    packSize: suite.packSize,
    seeds: [...suite.seeds],
    seedSalt,
    baseline: baseline ?? null,
    memory: config.memory,
    policy: args.policy.name,
    updatePolicy: usesUpdates ? (updatePolicy ?? args.policy).name : 'none',
    ...summarizeLifecycles(lifecycles),
    lifecycles,
  };
}

export async function evaluateSuite(args: EvaluateSuiteArgs): Promise<SuiteResult> {
  const { suite } = args;
  const { config, seedSalt, updatePolicy } = planSuite(args);
  const packs = suitePacks(suite);
  const total = packs.reduce((a, p) => a + p.tasks.length, 0);
  const tasksOf = new Map(packs.map((p) => [lifecycleSpecs([p], 1)[0].lifecycleId, p.tasks.length]));
  // Tasks counted per lifecycle; a lifecycle that ends early (an environment fault) counts its untried tasks as done.
  const counted = new Map<string, number>();
  let done = 0;
  args.onProgress?.(0, total);
  const count = (lifecycleId: string, n: number) => {
    if (n <= 0) return;
    counted.set(lifecycleId, (counted.get(lifecycleId) ?? 0) + n);
    done += n;
    args.onProgress?.(done, total);
  };
  const { lifecycles } = await runRollout({
    host: args.host,
    policy: args.policy,
    ...(updatePolicy ? { updatePolicy } : {}),
    packs,
    groupSize: 1,
    config,
    seed: `eval:${suite.name}:${seedSalt}`,
    keepRecords: args.keepRecords ?? true,
    // A solve episode's records are emitted together when it ends: its turn-0 record marks one task played.
    onRecord: (r) => {
      if (r.episodeKind === 'solve' && r.turn === 0) count(r.lifecycleId, 1);
    },
    onLifecycle: (l) => {
      count(l.lifecycleId, (tasksOf.get(l.lifecycleId) ?? 0) - (counted.get(l.lifecycleId) ?? 0));
      args.onLifecycle?.(l);
    },
    ...(args.signal ? { signal: args.signal } : {}),
    ...(args.scheduler ? { scheduler: args.scheduler } : {}),
  });
  // Stopped while the last lifecycles ended: what came back is not the whole evaluation.
  if (args.signal?.aborted) throw args.signal.reason ?? new CodError('internal', 'evaluation stopped', suite.name);
  return suiteResultOf(args, lifecycles);
}

/** A suite result without its lifecycles: what `--json` prints and a checkpoint row keeps. */
export function suiteSummary(
  r: SuiteResult,
): Omit<SuiteResult, 'lifecycles'> & { lifecycles: number; rise: CodEffectStat | null } {
  const { lifecycles, ...rest } = r;
  return { ...rest, lifecycles: lifecycles.length, rise: positionRise(lifecycles) };
}
