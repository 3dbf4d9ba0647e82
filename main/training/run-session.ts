/**
 * A run's lifecycle around the trainer loop: creating it (its stored config, its directory and the directory's
 * marker), the checks before resuming it, the lease and status while it trains, and the eval hook that stores each
 * suite's results. The CLI (`cod train`) keeps only its flags and progress output; the services and the renderer read
 * the same stored config (runConfigView) and the same resume rule (main/api/run-state.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { TrainEvent } from '../api/jobs.ts';
import { resumeBlock } from '../api/run-state.ts';
import type { TrainingBackend } from '../backend/backend.ts';
import { CodError } from '../base/errors.ts';
import type { EnvHost } from '../envs/host.ts';
import { loadPlugins, type PluginInfo } from '../envs/plugin.ts';
import { hasLiveTrainer, type RunRecord, type RunStore } from '../store/index.ts';
import { newRunId } from '../store/runs.ts';
import type { JsonObject, JsonValue } from '../store/types.ts';
import type { WorkerHost } from '../backend/compute-workers.ts';
import type { ModelConfig } from '../models/config.ts';
import { openChatModel } from '../models/model-dir.ts';
import { parameterCount } from '../models/model-budget.ts';
import type { Policy } from '../cod/policy.ts';
import { loadCurriculum } from './curriculum/load.ts';
import { loadedCurriculumSchema, type Curriculum, type EvalSuite } from './curriculum/schema.ts';
import { CurriculumEnvHost } from './eval-host.ts';
import { DEFAULT_SAMPLERS, openEvalPolicy, type EvalPolicy } from './eval-policy.ts';
import { evalCommit, evalSummaryJson } from './eval-store.ts';
import { suiteSummary } from './evaluate.ts';
import {
  EvalCache,
  evalCacheKey,
  evaluateSuiteCached,
  modelIdentity,
  type EvalCacheKey,
  type ModelIdentity,
} from './eval-cache.ts';
import { BUILTIN_MODEL_DIR, codeVersion, defaultRunDir } from './locations.ts';
import { openRunBackend, resolveRunBackend, runBackendSchema, type BackendRequest } from './run-backend.ts';
import { runTrainer, type EvalHook, type TrainerOutcome } from './trainer.ts';
import { parseTrainerConfig, trainerConfigSchema } from './training-config.ts';
import { verifyRunCheckpoint } from './run-checkpoint.ts';
import { runLoraSpec } from './run-model.ts';

/** The marker in a run directory naming the run (and store) it belongs to, so a second run cannot take it. */
export const RUN_FILE = 'run.json';

/** What a run keeps in its store row to be resumed without the files it was started from. */
export const storedRunConfigSchema = z.strictObject({
  curriculum: loadedCurriculumSchema,
  /** The file it was loaded from (for the record: resuming uses the stored curriculum). */
  curriculumFile: z.string(),
  /** The curriculum's plugin directories, resolved. */
  pluginDirs: z.array(z.string()),
  /** The model the run started from (a remote run: the directory of its tokenizer and chat template). */
  model: z.string(),
  trainer: trainerConfigSchema,
  /** Where it trains; absent in runs stored before training backends: the local backend. */
  backend: runBackendSchema.optional(),
  /** The PEFT adapter a LoRA run started from (`cod train --adapter`), absolute; absent: a fresh adapter or none. */
  adapter: z.string().min(1).optional(),
});
export type StoredRunConfig = z.output<typeof storedRunConfigSchema>;

/** The stored config of a run `cod train` made, checked; a run made otherwise cannot be resumed. */
export function readRunConfig(run: Pick<RunRecord, 'id' | 'config'>): StoredRunConfig {
  const r = storedRunConfigSchema.safeParse(run.config);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new CodError(
    'bad_config',
    `the run's stored config is not one cod train wrote (${i.path.join('.') || 'config'}: ${i.message})`,
    run.id,
  );
}

/** A stored config as the store holds it: the same object, as JSON (the store checks it again). */
function storedJson(cfg: StoredRunConfig): JsonObject {
  const json: JsonObject = JSON.parse(JSON.stringify(cfg));
  return json;
}

const jsonObject = z.record(z.string(), z.json());
const namedList = z.array(z.object({ name: z.string() }).loose());

/** What readers of any run take from its stored config; parts it lacks (a run another tool wrote) are null. */
export interface RunConfigView {
  readonly curriculum: JsonObject | null;
  readonly model: string | null;
  readonly trainer: JsonObject | null;
  /** The backend that trained it: 'local', or the server's URL and base model (null: not recorded). */
  readonly backend:
    { readonly kind: 'local' } | { readonly kind: 'remote'; readonly url: string; readonly baseModel: string } | null;
  /** The curriculum's eval suite names (what Compare can evaluate on). */
  readonly evalSuites: string[];
}

export function runConfigView(config: JsonObject): RunConfigView {
  const part = <T>(schema: z.ZodType<T>, v: JsonValue | undefined): T | null => {
    const r = schema.safeParse(v);
    return r.success ? r.data : null;
  };
  const curriculum = part(jsonObject, config.curriculum);
  return {
    curriculum,
    model: part(z.string(), config.model),
    trainer: part(jsonObject, config.trainer),
    // A run cod train stored has a curriculum; before training backends it trained locally without saying so.
    backend: part(runBackendSchema, config.backend) ?? (curriculum ? { kind: 'local' } : null),
    evalSuites: (part(namedList, curriculum?.evals) ?? []).map((e) => e.name),
  };
}

/**
 * Why the run cannot be resumed now, as the error to report, or nothing; `steps` is the step count the resumed run
 * would train to when the caller knows it (a finished run resumes only to extend it).
 */
export function checkResumable(run: RunRecord, steps?: number): void {
  const block = resumeBlock({ status: run.status, live: hasLiveTrainer(run), lastStep: run.lastStep }, steps);
  if (block === 'live')
    throw new CodError(
      'conflict',
      `run is already being trained by pid ${run.lease?.pid} on ${run.lease?.hostname}; stop that trainer first`,
      run.id,
    );
  if (block === 'finished')
    throw new CodError(
      'conflict',
      `run already finished ${run.lastStep ?? 0} steps (give --steps N to extend it: cod train --resume ${run.id} --steps N)`,
      run.id,
    );
}

export interface NewRunRequest {
  readonly curriculumFile: string;
  /** The starting model (default: the built-in model). */
  readonly model?: string;
  /** Where its checkpoints go (default: $COD_HOME/runs/RUN_ID). */
  readonly runDir?: string;
  readonly name?: string;
  /** Overrides the curriculum's training.steps. */
  readonly steps?: number;
  /** Train on this Tinker-compatible server (overrides the curriculum's `backend:`). */
  readonly backend?: BackendRequest;
  /** The server's key (`--api-key`, else $TINKER_API_KEY); never stored. */
  readonly apiKey?: string;
  /** Start LoRA training from this PEFT adapter (its settings; the curriculum's model.lora must agree). */
  readonly adapter?: string;
}

/** A new run, checked but not yet stored: every problem with the request is found before the store is opened. */
export interface NewRunPlan {
  readonly name: string;
  readonly config: StoredRunConfig;
  readonly runDir: string | undefined;
}

export async function planRun(req: NewRunRequest): Promise<NewRunPlan> {
  const file = resolve(req.curriculumFile);
  const loaded = loadCurriculum(file, { trainingSchema: trainerConfigSchema });
  const trainer = parseTrainerConfig({
    ...loaded.curriculum.training,
    ...(req.steps !== undefined ? { steps: req.steps } : {}),
  });
  const fromCurriculum = loaded.curriculum.model?.base;
  const model = resolve(
    req.model ?? (fromCurriculum !== undefined ? resolve(dirname(file), fromCurriculum) : BUILTIN_MODEL_DIR),
  );
  if (!existsSync(join(model, 'config.json')))
    throw new CodError('not_found', 'model directory has no config.json', model);
  const runDir = req.runDir !== undefined ? resolve(req.runDir) : undefined;
  if (runDir !== undefined) checkRunDirFree(runDir, req.runDir ?? runDir);
  const adapter = req.adapter !== undefined ? resolve(req.adapter) : undefined;
  // The LoRA settings and a starting adapter are checked against the base now, before anything is stored.
  await runLoraSpec(model, loaded.curriculum.model?.lora, adapter, file);
  const backend = await resolveRunBackend(req.backend ?? loaded.curriculum.backend, req.apiKey);
  if (adapter !== undefined && backend.kind === 'remote')
    throw new CodError(
      'unsupported',
      'a remote backend cannot start from a local adapter directory (--adapter); train it on the local backend',
      adapter,
    );
  return {
    name: req.name ?? loaded.curriculum.name,
    config: {
      curriculum: loaded.curriculum,
      curriculumFile: file,
      pluginDirs: loaded.plugins.map((p) => p.dir),
      model,
      trainer,
      backend,
      ...(adapter !== undefined ? { adapter } : {}),
    },
    runDir,
  };
}

function checkRunDirFree(dir: string, shown: string): void {
  const marker = join(dir, RUN_FILE);
  if (!existsSync(marker)) return;
  let owner = 'another run';
  try {
    owner = `run ${(JSON.parse(readFileSync(marker, 'utf8')) as { runId?: string }).runId}`;
  } catch {
    /* unreadable marker: still taken */
  }
  throw new CodError('bad_input', `run directory already belongs to ${owner} (use --resume)`, shown);
}

/** Stores the planned run and claims its directory; returns its id. */
export function createRun(store: RunStore, plan: NewRunPlan): string {
  const id = newRunId();
  const runDir = plan.runDir ?? defaultRunDir(id);
  const run = store.createRun({
    id,
    name: plan.name,
    config: storedJson(plan.config),
    seeds: [plan.config.trainer.seed],
    codeVersion: codeVersion(),
    runDir,
  });
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, RUN_FILE), JSON.stringify({ runId: run.id, store: store.path }, null, 2) + '\n');
  return run.id;
}

/** The stored config of a run to resume, with its step count extended to `steps` when given; refused as it must be. */
export function resumeConfig(store: RunStore, runId: string, steps?: number): StoredRunConfig {
  const run = store.getRun(runId);
  const stored = readRunConfig(run);
  const trainer = parseTrainerConfig({ ...stored.trainer, ...(steps !== undefined ? { steps } : {}) });
  checkResumable(run, trainer.steps);
  return { ...stored, trainer };
}

/** Where a step-0 evaluation is looked up and kept: the cache entry of that suite on the starting model. */
type StartCache = (suite: EvalSuite) => Promise<{ store: EvalCache; key: EvalCacheKey } | undefined>;

/** The run's step-0 policy samples its model directory as `cod eval` does: the local backend, a full fine-tune. */
function startsFromModelDir(cfg: StoredRunConfig): boolean {
  return (cfg.backend ?? { kind: 'local' }).kind === 'local' && !cfg.curriculum.model?.lora;
}

/**
 * The eval cache of the run's starting model, when its step-0 policy samples that model's directory as `cod eval`
 * does (the local backend, a full fine-tune): the built-in model's step-0 evaluation is then played once per suite
 * and code version, not once per run. A key that cannot be made (sources missing) means no cache, with a warning.
 */
function startCache(cfg: StoredRunConfig, plugins: readonly PluginInfo[]): StartCache | undefined {
  if (!startsFromModelDir(cfg)) return undefined;
  const store = new EvalCache();
  let model: Promise<ModelIdentity | undefined> | undefined;
  const warn = (e: unknown) => {
    process.emitWarning(`eval cache not used for the step-0 evaluation: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  };
  return async (suite) => {
    model ??= modelIdentity(cfg.model).catch(warn);
    const m = await model;
    if (!m) return undefined;
    try {
      const key = evalCacheKey({
        model: m,
        suite,
        curriculum: cfg.curriculum,
        plugins,
        temperature: cfg.trainer.temperature,
      });
      return { store, key };
    } catch (e) {
      return warn(e);
    }
  };
}

/**
 * Whether a suite's evaluation at `step` is stored whole: its lifecycles (one transaction, commitEval) and, at a
 * checkpoint, the summary on the checkpoint row (a second transaction: a kill between the two re-runs the suite).
 */
function evalStored(store: RunStore, runId: string, suite: string, step: number, atCheckpoint: boolean): boolean {
  if (store.listLifecycles(runId, { split: 'eval', suite, checkpoint: step, limit: 1 }).length === 0) return false;
  if (!atCheckpoint) return true;
  const cp = store.listCheckpoints(runId).find((c) => c.step === step);
  return cp !== undefined && Object.hasOwn(cp.eval, suite);
}

/**
 * Every eval suite of the curriculum on the policy at `step`, stored with that step (and its checkpoint). Suites
 * already stored whole for that step are skipped: a run resumed after a kill during a checkpoint's evaluation
 * evaluates only what is missing (the trainer calls this again for the checkpoint it resumes from).
 */
function storeEvals(
  store: RunStore,
  runId: string,
  c: Curriculum,
  host: EnvHost,
  onEvent: (e: TrainEvent) => void,
  start: StartCache | undefined,
  startSamplers: StartSamplers | undefined,
): EvalHook {
  return async ({ policy, step, checkpointDir, signal }) => {
    // The starting model's evaluation, where it is the model directory's own (see startCache), plays on every core
    // through `cod eval`'s samplers (opened on the first call, so a suite read from the cache opens none); the
    // trainer's one sampler would leave a core idle, as nothing trains yet. Samples depend only on their seeds.
    let spread: Promise<EvalPolicy> | undefined;
    const parallel: Policy | undefined =
      step === 0 && startSamplers
        ? {
            name: policy.name,
            respond: async (batch) => (await (spread ??= startSamplers(policy.name))).policy.respond(batch),
            endLifecycle: (id) => void spread?.then((p) => p.policy.endLifecycle?.(id)),
          }
        : undefined;
    const onAbort = () => void spread?.then((p) => p.dispose());
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const suite of c.evals) {
        if (evalStored(store, runId, suite.name, step, checkpointDir !== null)) continue;
        const cache = step === 0 && start ? await start(suite) : undefined;
        const { result, cached } = await evaluateSuiteCached({
          suite,
          curriculum: c,
          policy: parallel ?? policy,
          host,
          keepRecords: true,
          onProgress: (done, total) => onEvent({ event: 'phase', phase: 'eval', step, suite: suite.name, done, total }),
          ...(parallel ? { scheduler: { maxInFlight: DEFAULT_SAMPLERS } } : {}),
          ...(signal ? { signal } : {}),
          ...(cache ? { cache } : {}),
        });
        if (signal?.aborted) return; // stopped: a suite that finished anyway is not stored half-way through a stop
        store.commitEval(runId, evalCommit(result, step));
        if (checkpointDir) store.setCheckpointEval(runId, step, suite.name, evalSummaryJson(result));
        onEvent({
          event: 'eval',
          step,
          suite: suite.name,
          summary: suiteSummary(result),
          ...(cached ? { cached: true } : {}),
        });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (spread) await (await spread.catch(() => undefined))?.dispose();
    }
  };
}

type StartSamplers = (name: string) => Promise<EvalPolicy>;

/** Largest starting model whose step-0 evaluation gets samplers of its own (each holds a float32 copy). */
const START_SAMPLERS_MAX_PARAMS = 64e6;

/**
 * `cod eval`'s samplers for the step-0 evaluation, where the starting model is the directory itself (startCache's
 * case), small enough for a copy per sampler, and the machine has more than one core; otherwise none.
 */
function startSamplers(cfg: StoredRunConfig, workers: WorkerHost, config: ModelConfig): StartSamplers | undefined {
  if (DEFAULT_SAMPLERS < 2 || parameterCount(config) > START_SAMPLERS_MAX_PARAMS) return undefined;
  if (!startsFromModelDir(cfg)) return undefined;
  return (name) =>
    openEvalPolicy(cfg.model, { workers, samplers: DEFAULT_SAMPLERS, temperature: cfg.trainer.temperature, name });
}

export interface TrainSession {
  readonly store: RunStore;
  readonly runId: string;
  readonly config: StoredRunConfig;
  /** Continue from the run's latest checkpoint (dropping the steps after it). */
  readonly resume: boolean;
  readonly workers: WorkerHost;
  /** The remote backend's key (`--api-key`, else $TINKER_API_KEY). */
  readonly apiKey?: string;
  /** Stops the run after the step in progress, with a checkpoint. */
  readonly signal?: AbortSignal;
  readonly onEvent: (e: TrainEvent) => void;
}

/**
 * Trains the run under its lease: status 'running' while it trains, then 'finished' or 'stopped', or 'failed' with
 * the error (which is rethrown). A corrupt checkpoint to resume from leaves the store as it was.
 */
export async function trainRun(s: TrainSession): Promise<TrainerOutcome> {
  const { store, runId, config: cfg, onEvent } = s;
  const run = store.getRun(runId);
  store.acquireRunLease(runId);
  let host: CurriculumEnvHost | undefined;
  let backend: TrainingBackend | undefined;
  try {
    let resume: { step: number; dir: string; sha256: string } | undefined;
    if (s.resume) {
      const cp = store.latestCheckpoint(runId);
      // Check the checkpoint before dropping the steps after it: a corrupt one must leave the store as it was.
      if (cp) await verifyRunCheckpoint(cp.path, cp.sha256);
      store.truncateAfter(runId, cp ? cp.step : 0);
      if (cp) resume = { step: cp.step, dir: cp.path, sha256: cp.sha256 };
    }
    onEvent({ event: 'run', runId, runDir: run.runDir, resumedFrom: resume?.step ?? null });
    const plugins = cfg.pluginDirs.length ? loadPlugins(cfg.pluginDirs) : [];
    const envHost = new CurriculumEnvHost(plugins);
    host = envHost;
    store.setRunStatus(runId, 'running');
    try {
      const chat = await openChatModel(cfg.model);
      const { backend: trainingBackend, baseModel } = openRunBackend({
        backend: cfg.backend ?? { kind: 'local' },
        modelDir: cfg.model,
        runDir: run.runDir,
        trainer: cfg.trainer,
        workers: s.workers,
        ...(s.apiKey ? { apiKey: s.apiKey } : {}),
      });
      backend = trainingBackend;
      const lora = await runLoraSpec(cfg.model, cfg.curriculum.model?.lora, cfg.adapter, cfg.curriculumFile);
      const out = await runTrainer({
        store,
        runId,
        runDir: run.runDir,
        curriculum: cfg.curriculum,
        trainer: cfg.trainer,
        backend: trainingBackend,
        model: { baseModel, ...(lora ? { lora } : {}) },
        chat,
        ...(resume ? { resume } : {}),
        host: envHost,
        ...(s.signal ? { signal: s.signal } : {}),
        onEvent,
        ...(cfg.curriculum.evals.length > 0
          ? {
              evaluate: storeEvals(
                store,
                runId,
                cfg.curriculum,
                envHost,
                onEvent,
                startCache(cfg, plugins),
                startSamplers(cfg, s.workers, chat.config),
              ),
            }
          : {}),
      });
      store.setRunStatus(runId, out.status);
      onEvent({ event: 'done', status: out.status, lastStep: out.lastStep });
      return out;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      try {
        store.setRunStatus(runId, 'failed', error);
      } catch {
        // The store may be what failed (a full disk): the original error is the one to report.
      }
      onEvent({ event: 'done', status: 'failed', error });
      throw e;
    }
  } finally {
    await backend?.close().catch(() => undefined);
    await host?.dispose();
    store.releaseRunLease(runId);
  }
}
