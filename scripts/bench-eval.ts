/**
 * `npm run bench:eval`: how an evaluation uses the cores. Plays one suite of a curriculum on a model (default: the
 * built-in model on cpu-demo's frozenlake-heldout, 16 packs of seed 1) under several layouts, in the same process,
 * alternating layouts every rep so each sees about the same machine load:
 *   1x1      one sampler worker, 1 intra-op thread, one scheduler batch in flight (the old default)
 *   1x2      one sampler worker, 2 intra-op threads
 *   1x1/2    one sampler worker, 1 thread, two batches in flight (a larger effective batch)
 *   2x1      two sampler workers, 1 thread each, a batch in flight per worker
 * (any `SxT/F`: S workers of T threads, F batches in flight)
 * and reports each layout's median wall time and its speedup over 1x1 (median over reps of the per-rep ratio), plus
 * whether every layout played the same tasks with the same rewards (they must: samples depend only on seeds).
 * Flags: --model DIR, --curriculum FILE, --suite NAME, --packs N (default 16), --reps N (default 3), --layouts 1x1,2x1/4.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadCurriculum } from '../main/training/curriculum/load.ts';
import { CurriculumEnvHost } from '../main/training/eval-host.ts';
import { openEvalPolicy } from '../main/training/eval-policy.ts';
import { evaluateSuite, findSuite } from '../main/training/evaluate.ts';
import { APP_ROOT, BUILTIN_MODEL_DIR } from '../main/training/locations.ts';
import { ThreadWorkerHost } from '../main/workers/host.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const model = flag('--model') ?? BUILTIN_MODEL_DIR;
const file = flag('--curriculum') ?? join(APP_ROOT, 'resources', 'curricula', 'cpu-demo.yaml');
const reps = Number(flag('--reps') ?? 3);
const packs = Number(flag('--packs') ?? 16);
/** A layout `SxT[/F]`: S sampler workers of T intra-op threads, F scheduler batches in flight (default S). */
function layout(name: string): { samplers: number; threads: number; inFlight: number } {
  const m = /^(\d+)x(\d+)(?:\/(\d+))?$/.exec(name);
  if (!m) throw new Error(`a layout is SxT or SxT/F (samplers x threads / batches in flight), got '${name}'`);
  const [samplers, threads] = [Number(m[1]), Number(m[2])];
  return { samplers, threads, inFlight: m[3] ? Number(m[3]) : samplers };
}
const layouts = (flag('--layouts') ?? '1x1,1x2,1x1/2,2x1').split(',');
layouts.forEach(layout);
if (!(reps >= 1) || !(packs >= 1)) throw new Error('--reps and --packs want positive integers');
const LAYOUTS = Object.fromEntries(layouts.map((l) => [l, layout(l)]));

const { curriculum, plugins } = loadCurriculum(file);
const named = findSuite(curriculum, flag('--suite') ?? curriculum.evals[0].name);
const suite = { ...named, packs, seeds: [named.seeds[0]] };
const c = { ...curriculum, evals: [suite] };

async function play(layout: string): Promise<{ s: number; rewards: string }> {
  const L = LAYOUTS[layout];
  const ev = await openEvalPolicy(model, {
    workers: new ThreadWorkerHost(),
    samplers: L.samplers,
    threads: L.threads,
  });
  const host = new CurriculumEnvHost(plugins);
  try {
    // A warm-up call per sampler: worker start and weight loading are not the layout's throughput.
    await evaluateSuite({
      suite: { ...suite, packs: L.samplers },
      curriculum: c,
      policy: ev.policy,
      host,
      keepRecords: false,
      scheduler: { maxInFlight: L.inFlight },
    }).catch(() => undefined);
    const t0 = performance.now();
    const r = await evaluateSuite({
      suite,
      curriculum: c,
      policy: ev.policy,
      host,
      keepRecords: false,
      scheduler: { maxInFlight: L.inFlight },
    });
    return { s: (performance.now() - t0) / 1000, rewards: JSON.stringify(r.lifecycles.map((l) => l.taskRewards)) };
  } finally {
    await host.dispose();
    await ev.dispose();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times: Record<string, number[]> = Object.fromEntries(layouts.map((l) => [l, []]));
const ratios: Record<string, number[]> = Object.fromEntries(layouts.map((l) => [l, []]));
const rewards = new Set<string>();
const load0 = loadavg()[0];
for (let rep = 0; rep < reps; rep++) {
  const base: Record<string, number> = {};
  for (const l of layouts) {
    const { s, rewards: r } = await play(l);
    rewards.add(r);
    times[l].push(s);
    base[l] = s;
    process.stderr.write(`bench:eval rep ${rep + 1}/${reps} ${l}: ${s.toFixed(1)} s\n`);
  }
  if (base['1x1'] !== undefined) for (const l of layouts) ratios[l].push(base['1x1'] / base[l]);
}
console.log(
  JSON.stringify(
    {
      model,
      suite: `${suite.name} (${packs} packs × ${suite.packSize} tasks, seed ${suite.seeds[0]})`,
      cpus: cpus().length,
      loadavg: [load0, loadavg()[0]].map((x) => Number(x.toFixed(2))),
      reps,
      layouts: Object.fromEntries(
        layouts.map((l) => [
          l,
          {
            ...LAYOUTS[l],
            medianS: Number(median(times[l]).toFixed(2)),
            ...(ratios[l].length ? { speedupVs1x1: Number(median(ratios[l]).toFixed(2)) } : {}),
          },
        ]),
      ),
      sameRewardsInEveryLayout: rewards.size === 1,
    },
    null,
    2,
  ),
);
