/**
 * The CoD trainer: a rollout chain (lifecycle runner + policy worker) and a training chain (trainer worker)
 * connected by policy versions. Version v is the weights after v training steps. Rollout t samples with version
 * max(0, t-1-aheadSteps) — a fixed rule, so a run is reproducible and resumable whatever the timing — and so
 * runs while training steps t-1-aheadSteps+1 … t-1 are still in flight. Training step t takes rollout t's
 * lifecycles, assigns credit (returns, group baselines, RED-Weight), drops samples older than maxStaleness
 * versions, packs each solve episode into one sequence and takes one optimizer step; the new weights are
 * published to the rollout side as version t. Every step is one store transaction; checkpoints carry what
 * resuming needs, so a run killed at any moment continues from its last checkpoint with the same results.
 */
import { join } from 'node:path';
import type { TrainerEvent } from '../api/jobs.ts';
import { CodError } from '../base/errors.ts';
import type { LifecycleConfig } from '../cod/config.ts';
import { assignCredit } from '../cod/credit.ts';
import { planPacks, type PackSpec } from '../cod/packs.ts';
import type { Policy } from '../cod/policy.ts';
import type { LifecycleResult } from '../cod/records.ts';
import { runRollout } from '../cod/rollout.ts';
import type { EnvHost } from '../envs/host.ts';
import { Rng, stableSeed } from '../envs/seed.ts';
import { loadCheckpoint } from '../models/checkpoint.ts';
import { toHfConfig, type ModelConfig } from '../models/config.ts';
import type { RunStore } from '../store/store.ts';
import type { WorkerHandle, WorkerHost } from '../workers/host.ts';
import { packWeights, unpackWeights } from '../workers/weights.ts';
import type { Curriculum } from './curriculum/schema.ts';
import { curriculumLifecycleConfig } from './curriculum/lifecycle-config.ts';
import { lifecycleRow, sampleRow } from './sample-row.ts';
import type { PgStepOptions, PgStepResult } from './pg-step.ts';
import { loadRunCheckpoint, saveRunCheckpoint, type RunCheckpoint } from './run-checkpoint.ts';
import { buildSequences, type PgSample } from './sequences.ts';
import { stepMetrics } from './step-metrics.ts';
import type { TrainerConfig } from './training-config.ts';
import { WorkerPolicy } from './worker-policy.ts';

/** Evaluates the policy (the rollout worker, holding version `step`) and stores the results. */
export type EvalHook = (args: { policy: Policy; step: number; checkpointDir: string | null }) => Promise<void>;

export interface TrainerSetup {
  readonly store: RunStore;
  readonly runId: string;
  readonly runDir: string;
  readonly curriculum: Curriculum;
  readonly trainer: TrainerConfig;
  /** The model the run started from (its tokenizer files go into every checkpoint). */
  readonly baseModelDir: string;
  /** Continue from this checkpoint (its step, directory and the store's sha256 of its weights). */
  readonly resume?: { readonly step: number; readonly dir: string; readonly sha256: string };
  readonly host: EnvHost;
  readonly workers: WorkerHost;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: TrainerEvent) => void;
  readonly evaluate?: EvalHook;
}

export interface TrainerOutcome {
  readonly status: 'finished' | 'stopped';
  readonly lastStep: number;
}

interface RolloutOut {
  readonly step: number;
  readonly version: number;
  readonly lifecycles: LifecycleResult[];
  readonly rolloutS: number;
  readonly sampledTokens: number;
}

/** A promise per key, resolved once. */
class Latch<K, V> {
  private readonly waiting = new Map<K, { promise: Promise<V>; resolve(v: V): void }>();
  private get(k: K) {
    let w = this.waiting.get(k);
    if (!w) {
      let resolve!: (v: V) => void;
      const promise = new Promise<V>((r) => (resolve = r));
      w = { promise, resolve };
      this.waiting.set(k, w);
    }
    return w;
  }
  wait(k: K): Promise<V> {
    return this.get(k).promise;
  }
  set(k: K, v: V): void {
    this.get(k).resolve(v);
  }
}

/** Training packs of step t: a deterministic weighted draw of domains, fresh instances every step. */
export function trainingPacks(c: Curriculum, seed: number, step: number): PackSpec[] {
  const rng = new Rng(stableSeed('train-packs', seed, step));
  const total = c.train.domains.reduce((a, d) => a + d.weight, 0);
  const packs: PackSpec[] = [];
  for (let i = 0; i < c.train.packsPerStep; i++) {
    let x = rng.next() * total;
    const d = c.train.domains.find((dd) => (x -= dd.weight) < 0) ?? c.train.domains[c.train.domains.length - 1];
    packs.push(
      ...planPacks({
        datasetId: `train-${seed}`,
        domain: d.id,
        preset: d.preset,
        ...(d.options ? { options: d.options } : {}),
        split: 'train',
        strategy: c.train.packStrategy,
        packSize: c.train.packSize,
        count: 1,
        firstIndex: (step - 1) * c.train.packsPerStep + i,
      }),
    );
  }
  return packs;
}

export function pgOptions(t: TrainerConfig, lc: LifecycleConfig): PgStepOptions {
  return {
    loss: { kind: t.loss, ...(t.kl ? { kl: t.kl } : {}) },
    epsLow: t.epsLow,
    epsHigh: t.epsHigh,
    klCoef: t.klCoef,
    aggregation: t.aggregation,
    generationBudget: Math.max(lc.solveMaxNewTokens, lc.updateMaxNewTokens),
    microBatchTokens: t.microBatchTokens,
    optimizer: {
      lr: t.lr,
      weightDecay: t.weightDecay,
      maxGradNorm: t.gradClip,
      beta1: t.beta1,
      beta2: t.beta2,
    },
  };
}

export async function runTrainer(s: TrainerSetup): Promise<TrainerOutcome> {
  const t = s.trainer;
  if (t.maxStaleness < t.aheadSteps)
    throw new CodError(
      'bad_config',
      `maxStaleness (${t.maxStaleness}) below aheadSteps (${t.aheadSteps}) would drop every sample`,
      'training.maxStaleness',
    );
  const lc = curriculumLifecycleConfig(s.curriculum);
  let start:
    | RunCheckpoint
    | {
        step: 0;
        config: ModelConfig;
        weights: Map<string, Float32Array>;
        versions: Map<number, Map<string, Float32Array>>;
      };
  if (s.resume) start = await loadRunCheckpoint(s.resume.dir, s.resume.sha256);
  else {
    const base = await loadCheckpoint(s.baseModelDir);
    start = { step: 0, config: base.config, weights: base.weights, versions: new Map() };
  }
  const config = start.config;
  const versions = new Map(start.versions);
  versions.set(start.step, start.weights);
  const versionLatch = new Latch<number, true>();
  for (const v of versions.keys()) versionLatch.set(v, true);

  const policyWorker = await s.workers.start('policy', {
    modelDir: s.baseModelDir,
    threads: t.rolloutThreads,
    temperature: t.temperature,
  });
  let trainWorker: WorkerHandle | undefined;
  try {
    const w = packWeights(start.weights);
    const init: Record<string, unknown> = { hfConfig: toHfConfig(config), weights: w.list, threads: t.trainThreads };
    if ('optimizer' in start) {
      init.optimizer = {
        step: start.optimizer.step,
        m: packWeights(start.optimizer.m).list,
        v: packWeights(start.optimizer.v).list,
      };
    }
    if (t.kl) init.reference = packWeights((await loadCheckpoint(s.baseModelDir)).weights).list;
    trainWorker = await s.workers.start('trainer', init);
    return await pipeline(s, lc, config, start.step, versions, versionLatch, policyWorker, trainWorker);
  } finally {
    await policyWorker.close();
    await trainWorker?.close();
  }
}

async function pipeline(
  s: TrainerSetup,
  lc: LifecycleConfig,
  config: ModelConfig,
  first: number,
  versions: Map<number, Map<string, Float32Array>>,
  versionLatch: Latch<number, true>,
  policyWorker: WorkerHandle,
  trainWorker: WorkerHandle,
): Promise<TrainerOutcome> {
  const t = s.trainer;
  const policy = new WorkerPolicy(policyWorker);
  let workerVersion = -1;
  // The policy worker serves one thing at a time: a rollout or an eval, each with its own weights.
  let policyLock: Promise<void> = Promise.resolve();
  const withPolicy = async <T>(version: number, fn: () => Promise<T>): Promise<T> => {
    const prev = policyLock;
    let release!: () => void;
    policyLock = new Promise((r) => (release = r));
    await prev;
    try {
      if (workerVersion !== version) {
        const weights = versions.get(version);
        if (!weights) throw new CodError('internal', `policy version ${version} is not kept`, 'trainer');
        const p = packWeights(weights);
        await policyWorker.call('setWeights', { version, weights: p.list }, p.transfer);
        workerVersion = version;
      }
      return await fn();
    } finally {
      release();
    }
  };

  const stopped = (): boolean => s.signal?.aborted === true;
  let ended = false;
  const rollouts = new Latch<number, RolloutOut | Error>();
  const rolloutVersion = (step: number): number => Math.max(0, step - 1 - t.aheadSteps);

  // Rollout chain: runs ahead as far as the version rule allows.
  const rolloutChain = (async () => {
    for (let step = first + 1; step <= t.steps; step++) {
      const version = rolloutVersion(step);
      await versionLatch.wait(version);
      if (stopped() || ended) return;
      try {
        const out = await withPolicy(version, async () => {
          const t0 = performance.now();
          const r = await runRollout({
            host: s.host,
            policy,
            packs: trainingPacks(s.curriculum, t.seed, step),
            groupSize: s.curriculum.train.groupSize,
            config: lc,
            runId: s.runId,
            seed: `${t.seed}:${step}`,
          });
          const sampledTokens = r.lifecycles.reduce(
            (a, l) => a + l.records.reduce((x, rec) => x + (rec.tokenIds?.length ?? 0), 0),
            0,
          );
          return { step, version, lifecycles: r.lifecycles, rolloutS: (performance.now() - t0) / 1000, sampledTokens };
        });
        rollouts.set(step, out);
      } catch (e) {
        rollouts.set(step, e instanceof Error ? e : new Error(String(e)));
        return;
      }
    }
  })();

  let last = first;
  try {
    if (first === 0 && s.evaluate) await withPolicy(0, () => s.evaluate!({ policy, step: 0, checkpointDir: null }));
    for (let step = first + 1; step <= t.steps; step++) {
      if (stopped()) break;
      const tWait = performance.now();
      const r = await rollouts.wait(step);
      if (r instanceof Error) throw r;
      const idleS = (performance.now() - tWait) / 1000;
      const t0 = performance.now();
      const credit = assignCredit(r.lifecycles, {
        returns: t.returns,
        baseline: { stdNormalize: t.stdNormalize, filterZeroVariance: t.filterZeroVariance },
        redWeight: t.redWeight,
      });
      const staleness = step - 1 - r.version;
      const keep = staleness <= t.maxStaleness;
      const samples: PgSample[] = keep ? credit.samples : [];
      const built = buildSequences(samples, { packEpisodes: t.packEpisodes });
      let stats: PgStepResult | null = null;
      let weights = versions.get(step - 1)!;
      if (built.sequences.length > 0) {
        const res = await trainWorker.call<{ stats: PgStepResult; weights: unknown }>('step', {
          sequences: built.sequences,
          options: pgOptions(t, lc),
        });
        stats = res.stats;
        weights = unpackWeights(config, res.weights, 'trainer step');
      }
      const trainS = (performance.now() - t0) / 1000;
      versions.set(step, weights);
      for (const v of [...versions.keys()]) if (v < step - t.aheadSteps) versions.delete(v);
      versionLatch.set(step, true);

      const metrics = stepMetrics(
        r.lifecycles,
        stats,
        {
          redTemperature: credit.redTemperature,
          staleness,
          droppedSamples: keep ? 0 : credit.samples.length,
          fallbackEpisodes: built.fallbackEpisodes,
          sampledTokens: r.sampledTokens,
        },
        { rolloutS: r.rolloutS, trainS, idleS, wallS: idleS + trainS },
      );
      const creditOf = new Map(credit.samples.map((c) => [c.record, c]));
      s.store.commitStep(s.runId, step, {
        timing: { rolloutS: r.rolloutS, trainS, idleS },
        policyVersion: r.version,
        metrics,
        lifecycles: r.lifecycles.map((l) => lifecycleRow(l, l.lifecycleId, { split: 'train' })),
        samples: r.lifecycles.flatMap((l) =>
          l.records.map((rec) => sampleRow(rec, rec.lifecycleId, creditOf.get(rec))),
        ),
      });
      last = step;
      s.onEvent?.({ event: 'step', step, steps: t.steps, metrics });

      const final = step === t.steps || stopped();
      let checkpointDir: string | null = null;
      if (step % t.saveEvery === 0 || final)
        checkpointDir = await saveCheckpoint(s, config, step, versions, trainWorker);
      if (s.evaluate && t.evalEvery !== undefined && (step % t.evalEvery === 0 || step === t.steps))
        await withPolicy(step, () => s.evaluate!({ policy, step, checkpointDir }));
    }
  } finally {
    // End the rollout chain: it stops at its next check instead of waiting for versions that will not come.
    ended = last < t.steps;
    for (let v = last + 1; v <= t.steps; v++) versionLatch.set(v, true);
  }
  const status = last === t.steps ? 'finished' : 'stopped';
  if (status === 'stopped') await rolloutChain.catch(() => undefined);
  else await rolloutChain;
  return { status, lastStep: last };
}

async function saveCheckpoint(
  s: TrainerSetup,
  config: ModelConfig,
  step: number,
  versions: ReadonlyMap<number, Map<string, Float32Array>>,
  trainWorker: WorkerHandle,
): Promise<string> {
  const st = await trainWorker.call<{ weights: unknown; m: unknown; v: unknown; step: number }>('state', null);
  const dir = join(s.runDir, 'checkpoints', `step-${String(step).padStart(6, '0')}`);
  // Versions still needed by rollouts after this step: step - aheadSteps … step - 1.
  const keep = new Map([...versions].filter(([v]) => v < step && v >= step - s.trainer.aheadSteps));
  const { sha256 } = await saveRunCheckpoint(dir, s.baseModelDir, {
    step,
    config,
    weights: unpackWeights(config, st.weights, 'trainer state'),
    optimizer: {
      step: st.step,
      m: unpackWeights(config, st.m, 'optimizer m'),
      v: unpackWeights(config, st.v, 'optimizer v'),
    },
    versions: keep,
  });
  s.store.addCheckpoint(s.runId, { step, path: dir, sha256 });
  s.onEvent?.({ event: 'checkpoint', step, path: dir });
  return dir;
}
