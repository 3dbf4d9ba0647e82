/**
 * `npm run demo [-- --quick] [-- --seed N] [-- --steps N]`: the workbench's main job in one command. Trains the
 * built-in model with CoD RL on the CPU demo curriculum for a fixed number of steps (the curriculum's
 * `training.steps`: the number that shows the effect), then compares the starting model with the trained checkpoint
 * on held-out packs (and in the Ralph loop) with `cod compare`: identical packs and seeds for both, per-position
 * rewards with 95% intervals, the deltas and the CoD effect. Ends by saying where the run is stored.
 *
 * Nothing depends on how fast the machine is: the steps are counted, not timed, and the run is seeded (`--seed`
 * replaces training.seed), so the same seed gives the same numbers. `--quick` is a smoke version: 3 steps and
 * 4-pack suites (seconds of evaluation instead of minutes); its numbers show nothing about CoD.
 *
 * One progress bar (stderr; a line every 10 s when it is not a terminal) says the phase (evaluating the starting
 * model, training, comparing), the step and an ETA from the first line: until there is progress to measure, the ETA
 * is the plan's estimate from the project's 2-core machine (EVAL_TASK_S, STEP_S); after, it is measured.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import cliProgress from 'cli-progress';
import { parseDocument } from 'yaml';
import { cachedEvent, parseLine, progressEvent, trainEvent } from '../main/api/jobs.ts';
import { parseArgs } from 'node:util';
import { APP_ROOT, BUILTIN_MODEL_DIR as BUILTIN } from '../main/training/locations.ts';
import { parseCurriculum } from '../main/training/curriculum/load.ts';
import { runCod as cod } from './cod-child.ts';

/** Seconds per task played in an evaluation, and per training step, on the project's 2-core machine (the ETA's prior). */
const EVAL_TASK_S = 0.1;
const STEP_S = 6;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    seed: { type: 'string' },
    steps: { type: 'string' },
  },
});
const positiveInt = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a non-negative integer, got '${v}'`);
  return n;
};
const seed = positiveInt(values.seed, 'seed');
const stepsFlag = positiveInt(values.steps, 'steps');

// The curriculum the demo runs: the preset, with --seed / --steps / --quick written into a copy (comments kept).
const SOURCE = process.env.DEMO_CURRICULUM ?? join(APP_ROOT, 'resources', 'curricula', 'cpu-demo.yaml');
const doc = parseDocument(readFileSync(SOURCE, 'utf8'));
if (seed !== undefined) doc.setIn(['training', 'seed'], seed);
if (values.quick) {
  doc.setIn(['training', 'steps'], 3);
  const evals = doc.get('evals') as { items: unknown[] } | undefined;
  for (let i = 0; i < (evals?.items.length ?? 0); i++) {
    doc.setIn(['evals', i, 'packs'], 4);
    doc.setIn(['evals', i, 'seeds'], [1]);
  }
}
if (stepsFlag !== undefined) doc.setIn(['training', 'steps'], stepsFlag);
const dir = mkdtempSync(join(tmpdir(), 'cod-demo-'));
const CURRICULUM = join(dir, basename(SOURCE).replace(/\.ya?ml$/, '') + (values.quick ? '-quick' : '') + '.yaml');
writeFileSync(CURRICULUM, doc.toString());
const { curriculum: c } = parseCurriculum(doc.toString(), CURRICULUM);
const steps = c.training.steps ?? 50;
const trainingSeed = c.training.seed ?? 0;

// The plan in expected seconds: the step-0 evaluation, the steps, both sides of the comparison.
const evalTasks = c.evals.reduce((a, e) => a + e.packs * e.seeds.length * e.packSize, 0);
const plan = { evaluating: evalTasks * EVAL_TASK_S, training: steps * STEP_S, comparing: 2 * evalTasks * EVAL_TASK_S };
const total = plan.evaluating + plan.training + plan.comparing;

const t0 = performance.now();
const bar = new cliProgress.SingleBar(
  {
    format: '{phase} |{bar}| {percentage}% | {detail} | {elapsed} | ETA {eta2}',
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
    hideCursor: true,
    barsize: 24,
  },
  cliProgress.Presets.shades_classic,
);
const mmss = (s: number): string => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;
let done = 0;
let payload: Record<string, string> = {};
/** Moves the bar to `at` expected seconds of the plan. */
function show(phase: string, at: number, detail: string): void {
  done = Math.max(done, Math.min(at, total));
  const elapsed = (performance.now() - t0) / 1000;
  // The plan's estimate until 2% of it is done, then the measured rate.
  const eta = done / total < 0.02 ? total - done : (elapsed * (total - done)) / done;
  payload = { phase: phase.padEnd(10), detail, elapsed: mmss(elapsed), eta2: `≈${mmss(eta)}` };
  bar.update(Math.round(done), payload);
}
/** Prints a line above the bar. */
function say(line: string): void {
  bar.stop();
  console.log(line);
  bar.start(Math.round(total), Math.round(done), payload);
}

console.log(
  `== CoD demo: ${c.name}, ${steps} training steps, seed ${trainingSeed}${values.quick ? ' (--quick: a smoke run)' : ''} ==`,
);
console.log(`curriculum: ${CURRICULUM}`);
bar.start(Math.round(total), 0, payload);
show('evaluating', 0, `starting model, ${evalTasks} tasks`);

let runId = '';
let runDir = '';
let checkpoint = '';
let lastStep = 0;
const suiteDone = new Map<string, number>();
const tasksPerStep = c.train.packsPerStep * c.train.groupSize * c.train.packSize;
try {
  await cod(['train', CURRICULUM, '--events'], (line) => {
    const e = parseLine(trainEvent, line);
    if (!e) return void say(line);
    if (e.event === 'run') {
      runId = e.runId;
      runDir = e.runDir;
      say(`run ${runId} -> ${runDir}`);
    } else if (e.event === 'phase' && e.phase === 'eval' && e.step === 0) {
      suiteDone.set(e.suite ?? '', e.done ?? 0);
      const n = [...suiteDone.values()].reduce((a, b) => a + b, 0);
      show('evaluating', n * EVAL_TASK_S, `starting model, ${e.suite} ${e.done ?? 0}/${e.total ?? '?'} tasks`);
    } else if (e.event === 'phase' && e.phase === 'rollout') {
      const frac = e.total ? (e.done ?? 0) / e.total / 2 : 0;
      show(
        'training',
        plan.evaluating + (e.step - 1 + frac) * STEP_S,
        `step ${e.step}/${steps} rollout ${e.done ?? 0}/${e.total ?? tasksPerStep}`,
      );
    } else if (e.event === 'phase' && e.phase === 'train') {
      show('training', plan.evaluating + (e.step - 0.5) * STEP_S, `step ${e.step}/${steps} update`);
    } else if (e.event === 'step') {
      lastStep = e.step;
      const m = e.metrics;
      const pos = Object.keys(m)
        .filter((k) => k.startsWith('reward/pos'))
        .sort((x, y) => Number(x.slice(10)) - Number(y.slice(10)))
        .map((k) => (m[k] ?? NaN).toFixed(2))
        .join(' ');
      show('training', plan.evaluating + e.step * STEP_S, `step ${e.step}/${steps}`);
      if (e.step % 10 === 0 || e.step === steps)
        say(
          `step ${e.step}/${steps}  reward by position [${pos}]  hints parsed ${(m['hint/parse_rate'] ?? NaN).toFixed(2)}  ` +
            `loss ${(m.loss ?? NaN).toFixed(4)}`,
        );
    } else if (e.event === 'eval') {
      say(
        `step ${e.step} ${e.suite}: reward by position [${e.summary.positions.map((p) => (p.mean ?? NaN).toFixed(2)).join(' ')}]`,
      );
    } else if (e.event === 'checkpoint') checkpoint = e.path;
    else if (e.event === 'done') say(`training ${e.status} at step ${e.lastStep}`);
  });
  if (!checkpoint || lastStep !== steps) throw new Error(`training ended at step ${lastStep} of ${steps}`);

  const start = plan.evaluating + plan.training;
  let compared = '';
  show('comparing', start, `starting model vs step ${steps}`);
  await cod(
    ['compare', BUILTIN, checkpoint, '--curriculum', CURRICULUM, '--events'],
    (line) => (compared += line + '\n'),
    (line) => {
      const cached = parseLine(cachedEvent, line);
      if (cached)
        return void say(
          `${cached.side === 'b' ? 'B' : 'A'} on ${cached.suite}: read from the eval cache (${cached.file})`,
        );
      const p = parseLine(progressEvent, line);
      if (!p) return void say(line);
      show('comparing', start + (p.total ? (p.done / p.total) * plan.comparing : 0), `${p.done}/${p.total} tasks`);
    },
  );
  show('done', total, `${mmss((performance.now() - t0) / 1000)} in all`);
  bar.stop();
  console.log(`\n== before (A: the built-in model) vs after (B: step ${steps}) on held-out packs ==\n`);
  process.stdout.write(compared);
  console.log(`\nThe run is stored in the run store as ${runId} (cod runs show ${runId}); checkpoints in ${runDir}.`);
} finally {
  bar.stop();
}
