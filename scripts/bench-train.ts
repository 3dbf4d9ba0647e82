/**
 * `npm run bench:train`: the same CoD training steps twice in one run — rollouts overlapping training (rollout and
 * trainer workers on one thread each, rollouts one policy version ahead) and strictly alternating (no overlap; each
 * worker gets both threads since it runs alone) — on the built-in model and a FrozenLake curriculum. Reports
 * lifecycles/s, sampled and trained tokens/s and the rollout / train / idle split per step, and the ratio.
 * Prints JSON; with --write-docs writes docs/benchmarks.train.json and the train-bench section of docs/benchmarks.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeDocSection } from '../main/cli/doc-section.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_MODEL_DIR } from '../main/training/locations.ts';
import { openChatModel } from '../main/models/model-dir.ts';
import { openRunBackend } from '../main/training/run-backend.ts';
import { openStore } from '../main/store/index.ts';
import { parseCurriculum } from '../main/training/curriculum/load.ts';
import { CurriculumEnvHost } from '../main/training/eval-host.ts';
import { runTrainer } from '../main/training/trainer.ts';
import { parseTrainerConfig } from '../main/training/training-config.ts';
import { ThreadWorkerHost } from '../main/workers/host.ts';

const args = process.argv.slice(2);
const writeDocs = args.includes('--write-docs');
const steps = Number(args[args.indexOf('--steps') + 1] ?? NaN) || 4;

const CURRICULUM = `name: bench-train
rendering: compact
train:
  domains: [{ id: frozenlake, preset: train }]
  packSize: 4
  groupSize: 4
  packsPerStep: 2
lifecycle: { solveMaxNewTokens: 48, updateMaxNewTokens: 160 }
`;

interface ModeResult {
  mode: string;
  aheadSteps: number;
  threads: { rollout: number; train: number };
  steps: number;
  wallS: number;
  lifecyclesPerS: number;
  sampledTokensPerS: number;
  trainTokensPerS: number;
  meanRolloutS: number;
  meanTrainS: number;
  meanIdleS: number;
}

async function bench(mode: string, aheadSteps: number, threads: number): Promise<ModeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cod-bench-train-'));
  const { curriculum } = parseCurriculum(CURRICULUM, 'bench-train.yaml');
  const trainer = parseTrainerConfig({
    steps: steps + 1,
    lr: 1e-4,
    aheadSteps,
    rolloutThreads: threads,
    trainThreads: threads,
    saveEvery: 1000,
  });
  const store = openStore(join(dir, 'runs.db'));
  const run = store.createRun({ name: mode, config: {}, seeds: [0], codeVersion: 'bench', runDir: dir });
  store.acquireRunLease(run.id);
  const host = new CurriculumEnvHost([]);
  const marks: number[] = [];
  let sampled = 0;
  let trained = 0;
  let lifecycles = 0;
  const split = { rollout: 0, train: 0, idle: 0 };
  // The local backend, as `cod train` opens it.
  const { backend, baseModel } = openRunBackend({
    backend: { kind: 'local' },
    modelDir: BUILTIN_MODEL_DIR,
    runDir: dir,
    trainer,
    workers: new ThreadWorkerHost(),
  });
  try {
    await runTrainer({
      store,
      runId: run.id,
      runDir: dir,
      curriculum,
      trainer,
      backend,
      model: { baseModel },
      chat: await openChatModel(BUILTIN_MODEL_DIR),
      host,
      onEvent: (e) => {
        if (e.event !== 'step') return;
        marks.push(performance.now());
        // Step 1 compiles every graph shape: timed steps start after it.
        if (e.step === 1) return;
        const m = e.metrics;
        sampled += (m['throughput/sampled_tokens_per_s'] ?? 0) * (m['time/rollout_s'] ?? 0);
        trained += m.train_tokens ?? 0;
        lifecycles += curriculum.train.packsPerStep * curriculum.train.groupSize;
        split.rollout += m['time/rollout_s'] ?? 0;
        split.train += m['time/train_s'] ?? 0;
        split.idle += m['time/idle_s'] ?? 0;
      },
    });
  } finally {
    await backend.close();
    await host.dispose();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const wallS = (marks[marks.length - 1] - marks[0]) / 1000;
  return {
    mode,
    aheadSteps,
    threads: { rollout: threads, train: threads },
    steps,
    wallS,
    lifecyclesPerS: lifecycles / wallS,
    sampledTokensPerS: sampled / wallS,
    trainTokensPerS: trained / wallS,
    meanRolloutS: split.rollout / steps,
    meanTrainS: split.train / steps,
    meanIdleS: split.idle / steps,
  };
}

const overlap = await bench('overlap', 1, 1);
const serial = await bench('no-overlap', 0, 2);
const result = {
  bench: 'train',
  model: 'builtin (tiny, 0.85M)',
  curriculum: 'frozenlake/train, S=4, G=4, 2 packs per step (8 lifecycles)',
  timedSteps: steps,
  modes: [overlap, serial],
  speedup: overlap.lifecyclesPerS / serial.lifecyclesPerS,
};
console.log(JSON.stringify(result, null, 2));

if (writeDocs) {
  writeFileSync('docs/benchmarks.train.json', JSON.stringify(result, null, 2) + '\n');
  const f = (x: number, d = 1): string => x.toFixed(d);
  const row = (r: ModeResult): string =>
    `| ${r.mode} (ahead ${r.aheadSteps}, ${r.threads.rollout}+${r.threads.train} threads) | ${f(r.wallS / r.steps)} | ` +
    `${f(r.lifecyclesPerS, 3)} | ${f(r.sampledTokensPerS, 0)} | ${f(r.trainTokensPerS, 0)} | ` +
    `${f(r.meanRolloutS)} / ${f(r.meanTrainS)} / ${f(r.meanIdleS)} |`;
  const body = [
    `Generated by \`npm run bench:train\` (${result.curriculum}; ${steps} timed steps per mode after one warm-up ` +
      'step; built-in model). Times are seconds per step; rollout / train / idle is the trainer-side split (idle: ' +
      'waiting for the rollout).',
    '',
    '| mode | s / step | lifecycles/s | sampled tokens/s | trained tokens/s | rollout / train / idle |',
    '| ---- | -------: | -----------: | ---------------: | ---------------: | ---------------------- |',
    row(overlap),
    row(serial),
    '',
    `Overlap vs no overlap: **${f(result.speedup, 2)}×** lifecycles/s.`,
  ].join('\n');
  await writeDocSection('docs/benchmarks.md', 'train-bench', body, { heading: '## Training step' });
}
