import type { SuiteSummary } from '../../api/jobs.ts';
import { CodError } from '../../base/errors.ts';
import {
  defaultEvalCacheDir,
  EvalCache,
  evalCacheKey,
  evaluateSuiteCached,
  modelIdentity,
  type EvalCacheKey,
  type ModelIdentity,
} from '../../training/eval-cache.ts';
import { loadCurriculum, type LoadedCurriculum } from '../../training/curriculum/load.ts';
import type { EvalSuite } from '../../training/curriculum/schema.ts';
import {
  DEFAULT_SAMPLERS,
  evalModelOf,
  MAX_SAMPLERS,
  openEvalPolicy,
  type EvalPolicy,
} from '../../training/eval-policy.ts';
import { ThreadWorkerHost } from '../../workers/host.ts';
import { CurriculumEnvHost } from '../../training/eval-host.ts';
import { formatSuiteResult } from '../../training/eval-format.ts';
import {
  checkBaseline,
  findSuite,
  suitePacks,
  suiteSummary,
  type EvalBaseline,
  type SuiteResult,
} from '../../training/evaluate.ts';
import { intFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { evalProgress, type EvalProgress } from '../eval-progress.ts';
import { StopRequest } from '../stop-request.ts';

/** `--seeds 1,2,3`: the suites' dataset seeds, each a non-negative integer, none twice. */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((t) => t.trim());
  const bad = seeds.find((t) => !/^\d{1,9}$/.test(t));
  if (bad !== undefined)
    throw new CodError('bad_input', `expected comma-separated non-negative integers, got '${bad}'`, '--seeds');
  const n = seeds.map(Number);
  if (new Set(n).size !== n.length) throw new CodError('bad_input', 'a seed is given twice', '--seeds');
  return n;
}

/**
 * The curriculum and the suites to run: the named ones in the order given, or all of them. `seeds` replaces every
 * selected suite's dataset seeds — more or other held-out packs without editing the curriculum; a suite's packs
 * depend only on its name and seed, so `--seeds 1` reproduces a suite written with `seeds: [1]`.
 */
export function selectSuites(
  file: string,
  names: readonly string[] | undefined,
  seeds?: string,
): { loaded: LoadedCurriculum; suites: EvalSuite[] } {
  const override = seeds === undefined ? undefined : parseSeeds(seeds);
  const loaded = loadCurriculum(file);
  const suites = names?.length ? names.map((n) => findSuite(loaded.curriculum, n)) : [...loaded.curriculum.evals];
  if (suites.length === 0) throw new CodError('bad_input', 'the curriculum has no eval suites (evals:)', file);
  if (new Set(suites.map((s) => s.name)).size !== suites.length)
    throw new CodError('bad_input', 'a suite is named twice', '--suite');
  return { loaded, suites: override ? suites.map((s) => ({ ...s, seeds: override })) : suites };
}

/** The flags `cod eval` and `cod compare` share. */
export const EVAL_FLAGS = {
  curriculum: { type: 'string' },
  suite: { type: 'string', multiple: true },
  seeds: { type: 'string' },
  threads: { type: 'string' },
  samplers: { type: 'string' },
  'no-cache': { type: 'boolean' },
  json: { type: 'boolean' },
  events: { type: 'boolean' },
} as const;

export function threadsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = intFlag(value, 'threads', 0);
  if (n < 1) throw new CodError('bad_input', `--threads must be at least 1, got ${n}`);
  return n;
}

export function samplersFlag(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SAMPLERS;
  const n = intFlag(value, 'samplers', 0);
  if (n < 1 || n > MAX_SAMPLERS)
    throw new CodError('bad_input', `--samplers must be from 1 to ${MAX_SAMPLERS}, got ${n}`);
  return n;
}

/** A checkpoint directory served by `samplers` local sampler workers (threads), its requests spread over them. */
export function openCheckpoint(
  dir: string,
  o: { threads?: number; samplers?: number; adapter?: string | undefined } = {},
): Promise<EvalPolicy> {
  return openEvalPolicy(dir, {
    workers: new ThreadWorkerHost(),
    ...(o.threads ? { threads: o.threads } : {}),
    ...(o.adapter !== undefined ? { adapter: o.adapter } : {}),
    samplers: o.samplers ?? DEFAULT_SAMPLERS,
  });
}

/** The eval cache a command uses: $COD_HOME's, warnings on stderr; none with --no-cache. */
export function commandCache(noCache: boolean | undefined, label: string): EvalCache | null {
  return noCache ? null : new EvalCache(defaultEvalCacheDir(), (m) => process.stderr.write(`${label}: ${m}\n`));
}

/** Evaluations sampled at temperature 1 (cod-method.md §5), as openEvalPolicy does by default. */
const EVAL_TEMPERATURE = 1;

/**
 * Plays the suites on one opened checkpoint, reading each from the cache when it is there and keeping each played
 * whole. `side` names the side of a comparison in the cache lines.
 */
export async function evaluateCheckpoint(args: {
  dir: string;
  /** The LoRA adapter played on `dir` (part of the cache key). */
  adapter?: string;
  checkpoint: EvalPolicy;
  loaded: LoadedCurriculum;
  suites: readonly EvalSuite[];
  baseline?: EvalBaseline;
  cache: EvalCache | null;
  progress: EvalProgress;
  side?: 'a' | 'b';
  signal?: AbortSignal;
}): Promise<SuiteResult[]> {
  let cache = args.cache;
  let model: ModelIdentity | undefined;
  const off = (e: unknown) => {
    args.progress.say(`eval cache not used for ${args.dir}: ${e instanceof Error ? e.message : String(e)}`);
    cache = null;
  };
  if (cache)
    model = await evalModelOf(args.dir, args.adapter)
      .then((side) => modelIdentity(side.dir, side.adapter))
      .catch((e: unknown) => void off(e));
  const host = new CurriculumEnvHost(args.loaded.plugins);
  try {
    const out: SuiteResult[] = [];
    for (const suite of args.suites) {
      let key: EvalCacheKey | undefined;
      if (cache && model)
        try {
          key = evalCacheKey({
            model,
            suite,
            curriculum: args.loaded.curriculum,
            plugins: args.loaded.plugins,
            ...(args.baseline ? { baseline: args.baseline } : {}),
            temperature: EVAL_TEMPERATURE,
          });
        } catch (e) {
          off(e);
        }
      let seen = 0;
      const { result, cached } = await evaluateSuiteCached({
        suite,
        curriculum: args.loaded.curriculum,
        policy: args.checkpoint.policy,
        host,
        ...(args.baseline ? { baseline: args.baseline } : {}),
        // Keep only what the tables need: the per-call records of a CLI eval are not stored.
        keepRecords: false,
        scheduler: args.checkpoint.scheduler,
        onProgress: (done) => {
          for (; seen < done; seen++) args.progress.task();
        },
        onLifecycle: () => args.progress.lifecycle(),
        ...(args.signal ? { signal: args.signal } : {}),
        ...(cache && key ? { cache: { store: cache, key } } : {}),
      });
      if (cached)
        args.progress.cached(
          {
            suite: suite.name,
            ...(args.side ? { side: args.side } : {}),
            playedAt: cached.createdAt,
            playedS: cached.wallS,
            file: cached.file,
          },
          result.lifecycles.reduce((a, l) => a + l.tasks.length, 0),
          result.lifecycles.length,
        );
      out.push(result);
    }
    return out;
  } finally {
    await host.dispose();
  }
}

/** Tasks (pack positions) the suites play: what progress counts. */
export function totalTasks(suites: readonly EvalSuite[]): number {
  return suites.reduce((a, s) => a + suitePacks(s).reduce((b, p) => b + p.tasks.length, 0), 0);
}

/** Lifecycles the suites play (one per held-out pack). */
export function totalLifecycles(suites: readonly EvalSuite[]): number {
  return suites.reduce((a, s) => a + suitePacks(s).length, 0);
}

/**
 * Runs `work` under a stop request: the first SIGINT/SIGTERM aborts the evaluation in progress at once (its policy
 * workers are closed, cancelling what they sample) and nothing of it is cached; the command then exits 130.
 */
export async function stoppable(
  label: string,
  work: (signal: AbortSignal, onStop: (fn: () => Promise<void>) => void) => Promise<number>,
): Promise<number> {
  const stop = new StopRequest(
    label,
    'stopping: the evaluation in progress is dropped and not cached (signal again to quit now)',
  );
  const cleanups: Array<() => Promise<void>> = [];
  stop.signal.addEventListener('abort', () => {
    for (const fn of cleanups) void fn().catch(() => undefined);
  });
  try {
    return await work(stop.signal, (fn) => cleanups.push(fn));
  } catch (e) {
    if (!stop.signal.aborted) throw e;
    process.stderr.write(`${label}: stopped\n`);
    return 130;
  } finally {
    stop.dispose();
  }
}

const USAGE =
  'CHECKPOINT_DIR [--adapter ADAPTER] --curriculum FILE [--suite NAME]... [--seeds 1,2,3]\n' +
  '         [--baseline none|append_log|oracle_notes] [--samplers N] [--threads N] [--no-cache] [--json] [--events]\n\n' +
  "  Plays the curriculum's eval suites (all of them unless --suite is given) on held-out packs, one rollout per\n" +
  '  pack, and prints the mean task reward by pack position with a Student-t 95% interval over lifecycles.\n' +
  "  --adapter   a PEFT LoRA adapter of CHECKPOINT_DIR (played as base + adapter); a LoRA run's checkpoint\n" +
  '              (an adapter naming its base directory) can also be given as CHECKPOINT_DIR alone\n' +
  "  --seeds     replaces the suites' dataset seeds (other or more held-out packs)\n" +
  '  --baseline  none: empty context every task; append_log: the truncated log of past trajectories;\n' +
  "              oracle_notes: the domain's scripted oracle writes the notes, the model still solves\n" +
  "  --samplers  policy workers sharing the lifecycles (default: one per core, at most 2); --threads: each one's\n" +
  '              onnxruntime threads (default 1)\n' +
  '  --no-cache  play every suite even if the eval cache has it, and keep nothing there\n' +
  '  --json      [{"suite", "positions": [{"k", "mean", "ci_low", "ci_high", "n", ...}], ...}] on stdout\n' +
  '  --events    progress as JSON lines on stderr: {"event":"progress","done","total","lifecycles",\n' +
  '              "lifecyclesTotal"} (tasks played, lifecycles ended), {"event":"cached","suite",...} per suite read\n' +
  '              from the cache\n\n' +
  '  A suite evaluated before on the same model (weights, adapter, config and tokenizer), suite definition, seeds\n' +
  '  and code version of its environment is read from $COD_HOME/cache/evals instead of played, and says so.\n' +
  '  SIGINT/SIGTERM stop at once (exit 130); a suite stopped half-way is not cached.';

export const evalCommand: CliCommand = {
  path: ['eval'],
  summary: 'Evaluate a checkpoint on a curriculum’s held-out suites: reward by pack position with 95% intervals',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { ...EVAL_FLAGS, baseline: { type: 'string' }, adapter: { type: 'string' } },
      true,
    );
    if (positionals.length !== 1)
      throw new CodError('bad_input', `expected exactly one CHECKPOINT_DIR (usage: cod eval ${USAGE.split('\n')[0]})`);
    const baseline = values.baseline === undefined ? undefined : checkBaseline(values.baseline);
    const threads = threadsFlag(values.threads);
    const samplers = samplersFlag(values.samplers);
    const { loaded, suites } = selectSuites(requireFlag(values.curriculum, 'curriculum'), values.suite, values.seeds);
    const label = `cod eval ${positionals[0]}`;
    const cache = commandCache(values['no-cache'], label);
    let results: SuiteResult[] = [];
    const code = await stoppable(label, async (signal, onStop) => {
      const checkpoint = await openCheckpoint(positionals[0], {
        ...(threads ? { threads } : {}),
        samplers,
        adapter: values.adapter,
      });
      onStop(() => checkpoint.dispose());
      const progress = evalProgress(
        label,
        { tasks: totalTasks(suites), lifecycles: totalLifecycles(suites) },
        values.events ? 'events' : 'human',
      );
      try {
        results = await evaluateCheckpoint({
          dir: positionals[0],
          ...(values.adapter !== undefined ? { adapter: values.adapter } : {}),
          checkpoint,
          loaded,
          suites,
          ...(baseline ? { baseline } : {}),
          cache,
          progress,
          signal,
        });
      } finally {
        progress.stop();
        await checkpoint.dispose();
      }
      return 0;
    });
    if (code !== 0) return code;
    if (values.json)
      console.log(
        JSON.stringify(
          results.map((r): SuiteSummary => suiteSummary(r)),
          null,
          2,
        ),
      );
    else console.log(results.map(formatSuiteResult).join('\n\n'));
    return 0;
  },
};
