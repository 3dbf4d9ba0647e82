/**
 * `npm run bench:train`: the same CoD training steps twice in one run — rollouts overlapping training (rollout and
 * trainer workers on one thread each, rollouts one policy version ahead) and strictly alternating (no overlap; each
 * worker gets both threads since it runs alone) — on the built-in model and a FrozenLake curriculum. Reports
 * lifecycles/s, sampled and trained tokens/s, the rollout / train / idle split per step and where the train phase's
 * time goes (forward, forward_backward, optim_step, the rest), the process's kernel (sys) over user CPU time per
 * mode, and the real step's trained tokens/s (no-overlap: the trainer alone on 2 threads) as a ratio to `cod engine
 * bench`'s tokens/s for the same model shape on 2 threads (8 x 256 rows, one whole step per run), measured in the
 * same process before and after the steps (their mean), so machine load affects both sides alike.
 * Prints JSON; with --write-docs writes docs/benchmarks.train.json and the train-bench section of docs/benchmarks.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeDocSection } from '../main/cli/doc-section.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_MODEL_DIR } from '../main/training/locations.ts';
import { openChatModel } from '../main/models/model-dir.ts';
import { benchSize } from '../main/models/bench.ts';
import { readConfigFile } from '../main/models/config.ts';
import { openRunBackend } from '../main/training/run-backend.ts';
import { openStore } from '../main/store/index.ts';
import { parseCurriculum } from '../main/training/curriculum/load.ts';
import { CurriculumEnvHost } from '../main/training/eval-host.ts';
import { runTrainer } from '../main/training/trainer.ts';
import { parseTrainerConfig } from '../main/training/training-config.ts';
import { ThreadWorkerHost } from '../main/workers/host.ts';
import { relaunchWithMallocTunables } from '../main/base/malloc-tunables.ts';

// As `cod` runs (bin/cod.mjs): the process with glibc's malloc thresholds fixed, before any work.
relaunchWithMallocTunables();

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
  /** Trained tokens over the train phase's seconds (not the wall): the real step's training rate. */
  trainPhaseTokensPerS: number;
  /** Mean seconds per step in each backend call of the update, and the rest of the train phase. */
  trainSplit: { forwardS: number; forwardBackwardS: number; optimStepS: number; otherS: number };
  /** CPU seconds of the whole process (every worker thread) over the mode's steps, warm-up included. */
  cpu: { userS: number; sysS: number; sysOverUser: number };
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
  const split = { rollout: 0, train: 0, idle: 0, forward: 0, forwardBackward: 0, optimStep: 0 };
  // The local backend, as `cod train` opens it.
  const { backend, baseModel } = openRunBackend({
    backend: { kind: 'local' },
    modelDir: BUILTIN_MODEL_DIR,
    runDir: dir,
    trainer,
    workers: new ThreadWorkerHost(),
  });
  const cpu0 = process.resourceUsage();
  let cpu1 = cpu0;
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
        split.forward += m['time/forward_s'] ?? 0;
        split.forwardBackward += m['time/forward_backward_s'] ?? 0;
        split.optimStep += m['time/optim_step_s'] ?? 0;
      },
    });
  } finally {
    cpu1 = process.resourceUsage();
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
    trainPhaseTokensPerS: trained / split.train,
    trainSplit: {
      forwardS: split.forward / steps,
      forwardBackwardS: split.forwardBackward / steps,
      optimStepS: split.optimStep / steps,
      otherS: (split.train - split.forward - split.forwardBackward - split.optimStep) / steps,
    },
    cpu: {
      userS: (cpu1.userCPUTime - cpu0.userCPUTime) / 1e6,
      sysS: (cpu1.systemCPUTime - cpu0.systemCPUTime) / 1e6,
      sysOverUser: (cpu1.systemCPUTime - cpu0.systemCPUTime) / (cpu1.userCPUTime - cpu0.userCPUTime),
    },
  };
}

/** `cod engine bench`'s measurement for the built-in model's shape: tokens/s of whole optimizer steps, 8 x 256. */
async function engineTokensPerS(): Promise<number> {
  const config = await readConfigFile(join(BUILTIN_MODEL_DIR, 'config.json'));
  const e = await benchSize('builtin', config, 0, { rows: 8, width: 256, steps: 3, threads: 2, torch: false });
  return e.engine_tokens_per_s;
}

const engineBefore = await engineTokensPerS();
const serial = await bench('no-overlap', 0, 2);
const engineAfter = await engineTokensPerS();
const overlap = args.includes('--no-overlap-only') ? null : await bench('overlap', 1, 1);
const engine = (engineBefore + engineAfter) / 2;
const result = {
  bench: 'train',
  model: 'builtin (tiny, 0.85M)',
  curriculum: 'frozenlake/train, S=4, G=4, 2 packs per step (8 lifecycles)',
  timedSteps: steps,
  modes: overlap ? [overlap, serial] : [serial],
  speedup: overlap ? overlap.lifecyclesPerS / serial.lifecyclesPerS : null,
  engineBench: { tokensPerS: engine, before: engineBefore, after: engineAfter, rows: 8, width: 256, threads: 2 },
  /** The real step's training rate over the engine's, both on 2 threads (target >= 0.5). */
  realOverEngine: serial.trainPhaseTokensPerS / engine,
  /** Kernel over user CPU time of the no-overlap steps (target < 0.1). */
  sysOverUser: serial.cpu.sysOverUser,
};
console.log(JSON.stringify(result, null, 2));

if (writeDocs) {
  writeFileSync('docs/benchmarks.train.json', JSON.stringify(result, null, 2) + '\n');
  const f = (x: number, d = 1): string => x.toFixed(d);
  const row = (r: ModeResult): string =>
    `| ${r.mode} (ahead ${r.aheadSteps}, ${r.threads.rollout}+${r.threads.train} threads) | ${f(r.wallS / r.steps)} | ` +
    `${f(r.lifecyclesPerS, 3)} | ${f(r.sampledTokensPerS, 0)} | ${f(r.trainPhaseTokensPerS, 0)} | ` +
    `${f(r.meanRolloutS)} / ${f(r.meanTrainS)} / ${f(r.meanIdleS)} | ` +
    `${f(r.trainSplit.forwardS)} / ${f(r.trainSplit.forwardBackwardS)} / ${f(r.trainSplit.optimStepS)} / ${f(r.trainSplit.otherS)} | ` +
    `${f(100 * r.cpu.sysOverUser, 0)}% |`;
  const body = [
    `Generated by \`npm run bench:train\` (${result.curriculum}; ${steps} timed steps per mode after one warm-up ` +
      'step; built-in model). Times are seconds per step; rollout / train / idle is the trainer-side split (idle: ' +
      'waiting for the rollout).',
    '',
    '| mode | s / step | lifecycles/s | sampled tokens/s | trained tokens/s (train phase) | rollout / train / idle | train: forward / forward_backward / optim_step / rest | sys / user |',
    '| ---- | -------: | -----------: | ---------------: | -----------------------------: | ---------------------- | ----------------------------------------------------- | ---------: |',
    ...(overlap ? [row(overlap)] : []),
    row(serial),
    '',
    `Real CoD step vs \`cod engine bench\` (the same model shape, 8 × 256 rows, 2 threads; ` +
      `${f(engineBefore, 0)} tokens/s before the steps, ${f(engineAfter, 0)} after): ` +
      `**${f(result.realOverEngine, 2)}×** (target ≥ 0.5; the no-overlap train phase: REC in one forward_backward ` +
      "per request, its keep mask from that pass's own log-probs). Kernel time: **" +
      `${f(100 * result.sysOverUser, 1)}%** of user time in the no-overlap steps (target < 10%).`,
    ...(result.speedup !== null ? ['', `Overlap vs no overlap: **${f(result.speedup, 2)}×** lifecycles/s.`] : []),
  ].join('\n');
  await writeDocSection('docs/benchmarks.md', 'train-bench', body, { heading: '## Training step' });
}
