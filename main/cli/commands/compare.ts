import type { CompareResult } from '../../api/jobs.ts';
import { CodError } from '../../base/errors.ts';
import type { EvalPolicy } from '../../training/eval-policy.ts';
import { compareSuites, type SuiteComparison } from '../../training/compare.ts';
import { formatComparison } from '../../training/eval-format.ts';
import { suiteSummary } from '../../training/evaluate.ts';
import { parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';
import {
  EVAL_FLAGS,
  evaluateCheckpoint,
  openCheckpoint,
  progressSink,
  selectSuites,
  threadsFlag,
  totalTasks,
} from './eval.ts';

const USAGE =
  'A_DIR B_DIR [--adapter-a ADAPTER] [--adapter-b ADAPTER] --curriculum FILE [--suite NAME]... [--seeds 1,2,3]\n' +
  '         [--threads N] [--json] [--events]\n\n' +
  '  Evaluates both checkpoints on the same held-out packs with the same sampling seeds and prints, per suite and\n' +
  '  pack position, both means and the paired delta B − A with a Student-t 95% interval over the per-lifecycle\n' +
  '  differences (* marks a delta whose interval excludes 0).\n' +
  "  --seeds   replaces the suites' dataset seeds (other or more held-out packs), the same for both\n" +
  "  --adapter-a, --adapter-b  a PEFT LoRA adapter of A_DIR / B_DIR (played as base + adapter); a LoRA run's\n" +
  '            checkpoint (an adapter naming its base directory) can also be given as a side alone\n' +
  '  --json    [{"suite", "a": {"positions": [...]}, "b": {"positions": [...]}, "delta": [{"k", "mean", "ci_low",\n' +
  '            "ci_high", "n", "excludesZero"}]}] on stdout\n' +
  '  --events  progress as JSON lines {"event":"progress","done","total"} (tasks played) on stderr';

export const compareCommand: CliCommand = {
  path: ['compare'],
  summary: 'Compare two checkpoints on identical held-out packs: per-position paired deltas with 95% intervals',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { ...EVAL_FLAGS, 'adapter-a': { type: 'string' }, 'adapter-b': { type: 'string' } },
      true,
    );
    if (positionals.length !== 2)
      throw new CodError('bad_input', `expected two checkpoint directories A_DIR B_DIR, got ${positionals.length}`);
    const [aDir, bDir] = positionals;
    const threads = threadsFlag(values.threads);
    const { loaded, suites } = selectSuites(requireFlag(values.curriculum, 'curriculum'), values.suite, values.seeds);
    const total = 2 * totalTasks(suites);
    const progress = progressSink(`cod compare`, values.events ?? false);
    // Both opened (and so checked) before any lifecycle runs: a bad B_DIR fails at once, not after A's evals.
    const cpA = await openCheckpoint(aDir, threads, values['adapter-a']);
    let comparisons: SuiteComparison[];
    try {
      const cpB = await openCheckpoint(bDir, threads, values['adapter-b']);
      try {
        let done = 0;
        progress(0, total);
        const side = (checkpoint: EvalPolicy) =>
          evaluateCheckpoint({ checkpoint, loaded, suites, onTask: () => progress(++done, total) });
        // Sequential sides; both play suitePacks(suite) with the same sampling seeds (evaluate.ts).
        const a = await side(cpA);
        const b = await side(cpB);
        comparisons = suites.map((_, i) => compareSuites(a[i], b[i]));
      } finally {
        await cpB.dispose();
      }
    } finally {
      await cpA.dispose();
    }
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
