import type { CompareResult } from '../../api/jobs.ts';
import { CodError } from '../../base/errors.ts';
import type { EvalPolicy } from '../../training/eval-policy.ts';
import { compareSuites, type SuiteComparison } from '../../training/compare.ts';
import { formatComparison } from '../../training/eval-format.ts';
import { suiteSummary } from '../../training/evaluate.ts';
import { parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { evalProgress } from '../eval-progress.ts';
import {
  commandCache,
  EVAL_FLAGS,
  evaluateCheckpoint,
  openCheckpoint,
  samplersFlag,
  selectSuites,
  stoppable,
  threadsFlag,
  totalLifecycles,
  totalTasks,
} from './eval.ts';

const USAGE =
  'A_DIR B_DIR --curriculum FILE [--suite NAME]... [--seeds 1,2,3] [--samplers N] [--threads N] [--no-cache]\n' +
  '         [--json] [--events]\n\n' +
  '  Evaluates both checkpoints on the same held-out packs with the same sampling seeds and prints, per suite and\n' +
  '  pack position, both means and the paired delta B − A with a Student-t 95% interval over the per-lifecycle\n' +
  '  differences (* marks a delta whose interval excludes 0).\n' +
  "  --seeds   replaces the suites' dataset seeds (other or more held-out packs), the same for both\n" +
  '  --json    [{"suite", "a": {"positions": [...]}, "b": {"positions": [...]}, "delta": [{"k", "mean", "ci_low",\n' +
  '            "ci_high", "n", "excludesZero"}]}] on stdout\n' +
  '  --samplers, --threads, --no-cache, --events: as cod eval (A plays first, then B; progress counts both sides,\n' +
  '            a cached side says {"event":"cached","suite","side":"a"|"b",...})\n\n' +
  '  Each side is read from the eval cache ($COD_HOME/cache/evals) when that model was evaluated on the same suite\n' +
  '  definition, seeds and environment code before, so a second comparison of the same checkpoints takes seconds.\n' +
  '  SIGINT/SIGTERM stop at once (exit 130); a suite stopped half-way is not cached.';

export const compareCommand: CliCommand = {
  path: ['compare'],
  summary: 'Compare two checkpoints on identical held-out packs: per-position paired deltas with 95% intervals',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, EVAL_FLAGS, true);
    if (positionals.length !== 2)
      throw new CodError('bad_input', `expected two checkpoint directories A_DIR B_DIR, got ${positionals.length}`);
    const [aDir, bDir] = positionals;
    const threads = threadsFlag(values.threads);
    const samplers = samplersFlag(values.samplers);
    const { loaded, suites } = selectSuites(requireFlag(values.curriculum, 'curriculum'), values.suite, values.seeds);
    const label = 'cod compare';
    const cache = commandCache(values['no-cache'], label);
    let comparisons: SuiteComparison[] = [];
    const code = await stoppable(label, async (signal, onStop) => {
      const open = (dir: string) => openCheckpoint(dir, { ...(threads ? { threads } : {}), samplers });
      // Both opened (and so checked) before any lifecycle runs: a bad B_DIR fails at once, not after A's evals.
      const cpA = await open(aDir);
      onStop(() => cpA.dispose());
      try {
        const cpB = await open(bDir);
        onStop(() => cpB.dispose());
        const progress = evalProgress(
          label,
          { tasks: 2 * totalTasks(suites), lifecycles: 2 * totalLifecycles(suites) },
          values.events ? 'events' : 'human',
        );
        try {
          // Sequential sides, each on every sampler; both play suitePacks(suite) with the same sampling seeds
          // (evaluate.ts). A side evaluated before (or B = A) is read from the cache.
          const side = (s: 'a' | 'b', dir: string, checkpoint: EvalPolicy) => {
            progress.phase(`evaluating ${s.toUpperCase()} (${dir})`);
            return evaluateCheckpoint({ dir, checkpoint, loaded, suites, cache, progress, side: s, signal });
          };
          const a = await side('a', aDir, cpA);
          await cpA.dispose(); // its samplers' cores and memory go to B
          const b = await side('b', bDir, cpB);
          comparisons = suites.map((_, i) => compareSuites(a[i], b[i]));
        } finally {
          progress.stop();
          await cpB.dispose();
        }
      } finally {
        await cpA.dispose();
      }
      return 0;
    });
    if (code !== 0) return code;
    if (values.json) {
      const out = comparisons.map((c): CompareResult => ({
        suite: c.suite,
        a: { dir: aDir, ...suiteSummary(c.a) },
        b: { dir: bDir, ...suiteSummary(c.b) },
        delta: c.delta,
        effect: c.effect,
      }));
      console.log(JSON.stringify(out, null, 2));
    } else {
      console.log(comparisons.map((c) => formatComparison(c, { a: aDir, b: bDir })).join('\n\n'));
    }
    return 0;
  },
};
