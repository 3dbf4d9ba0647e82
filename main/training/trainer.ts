/**
 * The CoD trainer: a loop over steps on a training backend (main/backend: the workbench's engine in worker threads,
 * or any Tinker-compatible service), in the spirit of llm.c's train loop. Step t:
 *
 *   rollout     lifecycles of step t's packs, sampled with policy version max(0, t−1−aheadSteps) — rollouts run
 *               ahead while the training steps still in flight finish (rollouts-ahead.ts)
 *   credit      returns, group baselines, RED-Weight; samples more than maxStaleness versions old dropped
 *   datums      each solve episode one sequence (sequences.ts); REC / PPO datums (policy-update.ts)
 *   update      forward_backward, optim_step
 *   publish     save_weights_for_sampler: version t, what later rollouts and evals sample
 *   commit      the step's metrics, lifecycles and samples in one store transaction
 *   checkpoint  every saveEvery steps: save_weights on the backend, the weights' files and the resume state here
 *   eval        every evalEvery steps, through the backend like the rollouts
 *
 * The version rule is fixed, not timing-dependent, so a run is reproducible and resumable: a run killed at any moment
 * continues from its last checkpoint with the same results (the backend reloads weights and optimizer state with
 * load_weights; the checkpoint names the policy versions rollouts still need).
 */
import { join } from 'node:path';
import type { TrainerEvent, TrainerPhase } from '../api/jobs.ts';
import type { CreateModelSpec, TrainingBackend, TrainingModel } from '../backend/backend.ts';
import { CodError } from '../base/errors.ts';
import { maxNewTokensOf, type LifecycleConfig } from '../cod/config.ts';
import { assignCredit, type CreditOptions, type CreditResult } from '../cod/credit.ts';
import { planPacks, type PackSpec } from '../cod/packs.ts';
import type { Policy } from '../cod/policy.ts';
import { runRollout } from '../cod/rollout.ts';
import type { EnvHost } from '../envs/host.ts';
import { Rng, stableSeed } from '../envs/seed.ts';
import type { ChatModel } from '../models/model-dir.ts';
import type { RunStore } from '../store/store.ts';
import { BackendPolicy } from './backend-policy.ts';
import type { Curriculum } from './curriculum/schema.ts';
import { curriculumLifecycleConfig } from './curriculum/lifecycle-config.ts';
import { updatePolicy, type PolicyObjective, type UpdateStats } from './policy-update.ts';
import { PolicyVersions } from './policy-versions.ts';
import { RolloutsAhead, type Rollout } from './rollouts-ahead.ts';
import { loadRunCheckpoint, saveRunCheckpoint } from './run-checkpoint.ts';
import { lifecycleRow, sampleRow } from './sample-row.ts';
import { buildSequences, type SequenceBuild } from './sequences.ts';
import { stepMetrics } from './step-metrics.ts';
import type { TrainerConfig } from './training-config.ts';

/**
 * Evaluates the policy of version `step` (sampled through the backend) and stores the results. `signal` aborts when a
 * stop is asked: the hook should then stop at once and store nothing (the trainer stops without waiting for it).
 */
export type EvalHook = (args: {
  policy: Policy;
  step: number;
  checkpointDir: string | null;
  signal?: AbortSignal;
}) => Promise<void>;

/** The trainer's own stop of an evaluation it was asked to abandon. */
class EvalStopped extends Error {
  constructor() {
    super('evaluation stopped');
  }
}

/** `p`, or an EvalStopped rejection as soon as `signal` aborts (p keeps running; its outcome is ignored). */
function untilStopped<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new EvalStopped());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export interface TrainerSetup {
  readonly store: RunStore;
  readonly runId: string;
  readonly runDir: string;
  readonly curriculum: Curriculum;
  readonly trainer: TrainerConfig;
  /** Where the model trains and samples. */
  readonly backend: TrainingBackend;
  /** The model trained there: the backend's base model and LoRA settings (none: a full fine-tune). */
  readonly model: CreateModelSpec;
  /** The model's text side (tokenizer, chat template): renders prompts; its files go into every checkpoint. */
  readonly chat: ChatModel;
  /** Continue from this checkpoint (its step, directory and the store's sha256 of its weights). */
  readonly resume?: { readonly step: number; readonly dir: string; readonly sha256: string };
  readonly host: EnvHost;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: TrainerEvent) => void;
  readonly evaluate?: EvalHook;
}

export interface TrainerOutcome {
  readonly status: 'finished' | 'stopped';
  readonly lastStep: number;
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

/** The update's objective and optimizer, from the trainer's settings. */
export function policyObjective(t: TrainerConfig, lc: LifecycleConfig, backend: TrainingBackend): PolicyObjective {
  return {
    loss: t.loss,
    epsLow: t.epsLow,
    epsHigh: t.epsHigh,
    ...(t.kl ? { kl: t.kl } : {}),
    klCoef: t.klCoef,
    aggregation: t.aggregation,
    generationBudget: maxNewTokensOf(lc),
    adam: {
      learning_rate: t.lr,
      beta1: t.beta1,
      beta2: t.beta2,
      eps: 1e-8,
      weight_decay: t.weightDecay,
      grad_clip_norm: t.gradClip,
    },
    tokensPerRequest: t.tokensPerRequest,
    backendPpo: backend.losses.includes('ppo'),
  };
}

/** Credit assignment's options from the trainer's settings. */
function creditOptions(t: TrainerConfig): CreditOptions {
  return {
    returns: t.returns,
    baseline: { stdNormalize: t.stdNormalize, filterZeroVariance: t.filterZeroVariance },
    redWeight: t.redWeight,
  };
}

/** One at a time: rollouts and evaluations take turns at the sampler, each with its own policy version. */
class Turns {
  private last: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.last.then(fn, fn);
    this.last = next.catch(() => undefined);
    return next;
  }
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;

export async function runTrainer(s: TrainerSetup): Promise<TrainerOutcome> {
  const t = s.trainer;
  if (t.maxStaleness < t.aheadSteps)
    throw new CodError(
      'bad_config',
      `maxStaleness (${t.maxStaleness}) below aheadSteps (${t.aheadSteps}) would drop every sample`,
      'training.maxStaleness',
    );
  const resumed = s.resume ? await loadRunCheckpoint(s.resume.dir, s.resume.sha256) : null;
  if (resumed && (resumed.backend !== s.backend.name || resumed.baseModel !== s.model.baseModel))
    throw new CodError(
      'bad_config',
      `the checkpoint was trained on backend ${resumed.backend} (base model '${resumed.baseModel}'), not ${s.backend.name} ('${s.model.baseModel}')`,
      s.resume!.dir,
    );
  const model = await s.backend.createModel(s.model);
  let reference: TrainingModel | undefined;
  try {
    if (resumed) await model.loadWeights(resumed.weights, { optimizer: true });
    // The KL penalty's reference: the starting model, never stepped.
    if (t.kl) reference = await s.backend.createModel(s.model);
    const versions = new PolicyVersions(model, s.model.baseModel, (p) => free(s.backend, p), resumed?.versions);
    // A LoRA run's version 0 is its starting adapter (a given one, or random B), sampled as the graphs train it.
    if (!resumed && s.model.lora) await versions.publish(0);
    return await trainSteps(s, model, versions, resumed?.step ?? 0, reference, resumed?.weights ?? null);
  } finally {
    // Freeing the models must not hide why the run ended (a server that went away cannot free them).
    await reference?.close().catch(() => undefined);
    await model.close().catch(() => undefined);
  }
}

/**
 * Saved weights nothing will read again, freed on the backend. Best effort: a server that cannot delete keeps them,
 * and the run goes on.
 */
function free(backend: TrainingBackend, path: string): Promise<void> {
  return backend.deleteCheckpoint(path).catch(() => undefined);
}

async function trainSteps(
  s: TrainerSetup,
  model: TrainingModel,
  versions: PolicyVersions,
  first: number,
  reference: TrainingModel | undefined,
  /** The latest checkpoint's save_weights path (a resume's), freed once a newer checkpoint is whole. */
  lastState: string | null,
): Promise<TrainerOutcome> {
  const t = s.trainer;
  const lc = curriculumLifecycleConfig(s.curriculum);
  const objective = policyObjective(t, lc, s.backend);
  const stopped = (): boolean => s.signal?.aborted === true;
  const phase = (p: Omit<TrainerPhase, 'event'>): void => s.onEvent?.({ event: 'phase', ...p });
  // Rollout progress counts tasks played (solve episodes), which advance steadily; lifecycles all end together.
  const tasksPerStep = s.curriculum.train.packsPerStep * s.curriculum.train.groupSize * s.curriculum.train.packSize;
  const turns = new Turns();
  const policyAt = (version: number): Policy =>
    new BackendPolicy(s.backend, s.chat, versions.target(version), { name: 'model', temperature: t.temperature });
  /**
   * Evaluates the policy of `step`; false when a stop came first. The trainer does not wait for an abandoned
   * evaluation (a large suite can take many minutes): its hook sees the abort, starts no further sample calls and
   * stores nothing; what it still has in flight ends when the backend closes (the local backend cancels it).
   */
  const evaluate = async (step: number, checkpointDir: string | null): Promise<boolean> => {
    try {
      await turns.run(() => {
        if (stopped()) throw new EvalStopped();
        const signal = s.signal ? { signal: s.signal } : {};
        const running = s.evaluate!({ policy: policyAt(step), step, checkpointDir, ...signal });
        running.catch(() => undefined); // abandoned on a stop: its failure is nobody's
        return untilStopped(running, s.signal);
      });
      return !stopped();
    } catch (e) {
      if (e instanceof EvalStopped) return false;
      throw e;
    }
  };
  const rollouts = new RolloutsAhead({
    first,
    last: t.steps,
    aheadSteps: t.aheadSteps,
    versions,
    stopped,
    play: (step, version, signal) =>
      turns.run(() =>
        playRollout(s, lc, policyAt(version), step, version, signal, (done) =>
          phase({ phase: 'rollout', step, done, total: tasksPerStep }),
        ),
      ),
  });

  /** Steps whose policy is evaluated: every evalEvery steps and the last. */
  const evalDue = (step: number): boolean =>
    t.evalEvery !== undefined && (step % t.evalEvery === 0 || step === t.steps);
  let last = first;
  // REC's keep mask from forward_backward itself (policy-update.ts), unless the last step's second pass would have
  // re-run over a quarter of its tokens: a forward costs about a quarter of a forward_backward here
  // (`npm run bench:train`), so a forward first is then cheaper. The gradient is the same either way.
  let fused = true;
  try {
    // The starting policy's evaluation, and on a resume the evaluation due at the checkpoint resumed from: a kill
    // between that checkpoint and the end of its evaluation would otherwise lose it for good (the hook evaluates
    // only the suites not yet stored).
    if (s.evaluate && (first === 0 || evalDue(first))) {
      const completed = await evaluate(first, first === 0 ? null : (s.resume?.dir ?? null));
      if (!completed) return { status: 'stopped', lastStep: first };
    }
    for (let step = first + 1; step <= t.steps && !stopped(); step++) {
      phase({ phase: 'rollout', step, total: tasksPerStep });
      const waited = performance.now();
      const r = await rollouts.take(step);
      const idleS = seconds(waited);
      phase({ phase: 'train', step });
      const t0 = performance.now();
      const credit = assignCredit(r.lifecycles, creditOptions(t));
      const staleness = step - 1 - r.version;
      const samples = staleness <= t.maxStaleness ? credit.samples : [];
      const batch = buildSequences(samples, { packEpisodes: t.packEpisodes });
      const update: UpdateStats | null = batch.sequences.length
        ? await updatePolicy(model, batch.sequences, objective, reference, { fused })
        : null;
      if (update) fused = update.recheckTokens * 4 <= update.tokens;
      await versions.publish(step);
      await versions.keepFrom(step - t.aheadSteps);
      const dropped = credit.samples.length - samples.length;
      commitStep(s, r, credit, batch, update, { staleness, dropped, idleS, trainS: seconds(t0) });
      last = step;
      const saveDue = step % t.saveEvery === 0 || step === t.steps || stopped();
      let dir: string | null = null;
      const checkpoint = async (): Promise<void> => {
        phase({ phase: 'checkpoint', step });
        const saved = await saveCheckpoint(s, model, versions, step);
        if (lastState) await free(s.backend, lastState);
        [dir, lastState] = [saved.dir, saved.state];
      };
      if (saveDue) await checkpoint();
      if (s.evaluate && evalDue(step)) {
        const completed = await evaluate(step, dir);
        // Stopped during the evaluation: keep what resuming needs of this step (its checkpoint) before ending.
        if (!completed && dir === null) await checkpoint();
      }
    }
  } finally {
    await rollouts.end();
  }
  return { status: last === t.steps ? 'finished' : 'stopped', lastStep: last };
}

async function playRollout(
  s: TrainerSetup,
  lc: LifecycleConfig,
  policy: Policy,
  step: number,
  version: number,
  signal: AbortSignal,
  onTask: (done: number) => void,
): Promise<Rollout> {
  const t0 = performance.now();
  let done = 0;
  const r = await runRollout({
    host: s.host,
    policy,
    packs: trainingPacks(s.curriculum, s.trainer.seed, step),
    groupSize: s.curriculum.train.groupSize,
    config: lc,
    runId: s.runId,
    seed: `${s.trainer.seed}:${step}`,
    signal,
    onRecord: (rec) => {
      if (rec.episodeKind === 'solve' && rec.turn === 0) onTask(++done);
    },
  });
  const sampledTokens = r.lifecycles.reduce(
    (a, l) => a + l.records.reduce((x, rec) => x + (rec.tokenIds?.length ?? 0), 0),
    0,
  );
  return { step, version, lifecycles: r.lifecycles, rolloutS: seconds(t0), sampledTokens };
}

/** The step's metrics, lifecycles and samples: one store transaction. */
function commitStep(
  s: TrainerSetup,
  r: Rollout,
  credit: CreditResult,
  batch: SequenceBuild,
  update: UpdateStats | null,
  o: { staleness: number; dropped: number; idleS: number; trainS: number },
): void {
  const metrics = stepMetrics(
    r.lifecycles,
    update,
    {
      redTemperature: credit.redTemperature,
      staleness: o.staleness,
      droppedSamples: o.dropped,
      fallbackEpisodes: batch.fallbackEpisodes,
      sampledTokens: r.sampledTokens,
    },
    { rolloutS: r.rolloutS, trainS: o.trainS, idleS: o.idleS, wallS: o.idleS + o.trainS },
  );
  const creditOf = new Map(credit.samples.map((c) => [c.record, c]));
  s.store.commitStep(s.runId, r.step, {
    timing: { rolloutS: r.rolloutS, trainS: o.trainS, idleS: o.idleS },
    policyVersion: r.version,
    metrics,
    lifecycles: r.lifecycles.map((l) => lifecycleRow(l, l.lifecycleId, { split: 'train' })),
    samples: r.lifecycles.flatMap((l) => l.records.map((rec) => sampleRow(rec, rec.lifecycleId, creditOf.get(rec)))),
  });
  s.onEvent?.({ event: 'step', step: r.step, steps: s.trainer.steps, metrics });
}

/**
 * save_weights on the backend; its sampler weights' files and the resume state in the run's directory. Returns the
 * directory and the save_weights path.
 */
async function saveCheckpoint(
  s: TrainerSetup,
  model: TrainingModel,
  versions: PolicyVersions,
  step: number,
): Promise<{ dir: string; state: string }> {
  const name = `step-${String(step).padStart(6, '0')}`;
  const dir = join(s.runDir, 'checkpoints', name);
  const { path: weights } = await model.saveWeights(name);
  // What rollouts after this step sample (versions step − aheadSteps …), and this step's own weights.
  const kept = versions.kept(step - s.trainer.aheadSteps, step);
  const { sha256 } = await saveRunCheckpoint(dir, s.backend, s.chat.dir, {
    step,
    backend: s.backend.name,
    baseModel: s.model.baseModel,
    weights,
    versions: kept,
  });
  s.store.addCheckpoint(s.runId, { step, path: dir, sha256 });
  await versions.pin(kept);
  s.onEvent?.({ event: 'checkpoint', step, path: dir });
  return { dir, state: weights };
}
