import type { ProgressEvent, SuiteSummary } from '../../api/jobs.ts';
import { CodError } from '../../base/errors.ts';
import { loadCurriculum, type LoadedCurriculum } from '../../training/curriculum/load.ts';
import type { EvalSuite } from '../../training/curriculum/schema.ts';
import { openEvalPolicy, type EvalPolicy } from '../../training/eval-policy.ts';
import { ThreadWorkerHost } from '../../workers/host.ts';
import { CurriculumEnvHost } from '../../training/eval-host.ts';
import { formatSuiteResult } from '../../training/eval-format.ts';
import {
  checkBaseline,
  evaluateSuite,
  findSuite,
  suitePacks,
  suiteSummary,
  type EvalBaseline,
  type SuiteResult,
} from '../../training/evaluate.ts';
import { intFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { progressReporter } from './envs-check.ts';

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

/** Progress (tasks played) on stderr: a bar for people, or `{"event":"progress",...}` lines with --events. */
export function progressSink(label: string, events: boolean): (done: number, total: number) => void {
  if (!events) return progressReporter(label, 'tasks');
  return (done, total) =>
    process.stderr.write(JSON.stringify({ event: 'progress', done, total } satisfies ProgressEvent) + '\n');
}

/** The flags `cod eval` and `cod compare` share. */
export const EVAL_FLAGS = {
  curriculum: { type: 'string' },
  suite: { type: 'string', multiple: true },
  seeds: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  events: { type: 'boolean' },
} as const;

export function threadsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = intFlag(value, 'threads', 0);
  if (n < 1) throw new CodError('bad_input', `--threads must be at least 1, got ${n}`);
  return n;
}

/** A checkpoint directory served by a local training backend (its sampler in a worker thread). */
export function openCheckpoint(dir: string, threads: number | undefined, adapter?: string): Promise<EvalPolicy> {
  return openEvalPolicy(dir, {
    workers: new ThreadWorkerHost(),
    ...(threads ? { threads } : {}),
    ...(adapter !== undefined ? { adapter } : {}),
  });
}

/** Plays the suites on one opened checkpoint; `onTask` is called once per task (pack position) played. */
export async function evaluateCheckpoint(args: {
  checkpoint: EvalPolicy;
  loaded: LoadedCurriculum;
  suites: readonly EvalSuite[];
  baseline?: EvalBaseline;
  onTask: () => void;
}): Promise<SuiteResult[]> {
  const host = new CurriculumEnvHost(args.loaded.plugins);
  try {
    const out: SuiteResult[] = [];
    for (const suite of args.suites) {
      let seen = 0;
      out.push(
        await evaluateSuite({
          suite,
          curriculum: args.loaded.curriculum,
          policy: args.checkpoint.policy,
          host,
          ...(args.baseline ? { baseline: args.baseline } : {}),
          // Keep only what the tables need: the per-call records of a CLI eval are not stored.
          keepRecords: false,
          onProgress: (done) => {
            for (; seen < done; seen++) args.onTask();
          },
        }),
      );
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

const USAGE =
  'CHECKPOINT_DIR [--adapter ADAPTER] --curriculum FILE [--suite NAME]... [--seeds 1,2,3] [--baseline none|append_log|oracle_notes]\n' +
  '         [--threads N] [--json] [--events]\n\n' +
  "  Plays the curriculum's eval suites (all of them unless --suite is given) on held-out packs, one rollout per\n" +
  '  pack, and prints the mean task reward by pack position with a Student-t 95% interval over lifecycles.\n' +
  "  --adapter   a PEFT LoRA adapter of CHECKPOINT_DIR (played as base + adapter); a LoRA run's checkpoint\n" +
  '              (an adapter naming its base directory) can also be given as CHECKPOINT_DIR alone\n' +
  "  --seeds     replaces the suites' dataset seeds (other or more held-out packs)\n" +
  '  --baseline  none: empty context every task; append_log: the truncated log of past trajectories;\n' +
  "              oracle_notes: the domain's scripted oracle writes the notes, the model still solves\n" +
  '  --json      [{"suite", "positions": [{"k", "mean", "ci_low", "ci_high", "n", ...}], ...}] on stdout\n' +
  '  --events    progress as JSON lines {"event":"progress","done","total"} (tasks played) on stderr';

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
    const { loaded, suites } = selectSuites(requireFlag(values.curriculum, 'curriculum'), values.suite, values.seeds);
    const total = totalTasks(suites);
    const progress = progressSink(`cod eval ${positionals[0]}`, values.events ?? false);
    const checkpoint = await openCheckpoint(positionals[0], threads, values.adapter);
    let results: SuiteResult[];
    try {
      let done = 0;
      progress(0, total);
      results = await evaluateCheckpoint({
        checkpoint,
        loaded,
        suites,
        ...(baseline ? { baseline } : {}),
        onTask: () => progress(++done, total),
      });
    } finally {
      await checkpoint.dispose();
    }
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
