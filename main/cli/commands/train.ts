import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CodError } from '../../base/errors.ts';
import { codHome as workbenchHome } from '../../models/import.ts';
import { newRunId } from '../../store/runs.ts';
import { openStore } from '../../store/index.ts';
import type { RunStore } from '../../store/store.ts';
import type { JsonObject } from '../../store/types.ts';
import { loadCurriculum } from '../../training/curriculum/load.ts';
import type { Curriculum } from '../../training/curriculum/schema.ts';
import { CurriculumEnvHost } from '../../training/eval-host.ts';
import { loadPlugins } from '../../envs/plugin.ts';
import { evaluateSuite, suiteSummary } from '../../training/evaluate.ts';
import { evalCommit, evalSummaryJson } from '../../training/eval-store.ts';
import { runTrainer, type EvalHook, type TrainerEvent } from '../../training/trainer.ts';
import type { EnvHost } from '../../envs/host.ts';
import { parseTrainerConfig, trainerConfigSchema, type TrainerConfig } from '../../training/training-config.ts';
import { ThreadWorkerHost } from '../../workers/host.ts';
import { verifyRunCheckpoint } from '../../training/run-checkpoint.ts';
import { intFlag, parseFlags } from '../args.ts';
import { APP_ROOT, BUILTIN_MODEL_DIR } from '../app-root.ts';
import type { CliCommand } from '../command.ts';
import { StopRequest } from '../stop-request.ts';
import { defaultStorePath } from './runs.ts';

export const RUN_FILE = 'run.json';

function codeVersion(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: APP_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')).version as string;
  }
}

/** What a run keeps in its store row to be resumed without the files it was started from. */
interface StoredRunConfig {
  readonly curriculum: Curriculum;
  readonly curriculumFile: string;
  readonly pluginDirs: string[];
  readonly model: string;
  readonly trainer: TrainerConfig;
}

function fmt(x: number | undefined, d = 3): string {
  return x === undefined ? '-' : x.toFixed(d);
}

function stepLine(e: Extract<TrainerEvent, { event: 'step' }>): string {
  const m = e.metrics;
  const pos = Object.keys(m)
    .filter((k) => k.startsWith('reward/pos'))
    .sort((a, b) => Number(a.slice(10)) - Number(b.slice(10)))
    .map((k) => fmt(m[k], 2));
  return (
    `step ${e.step}/${e.steps}  reward ${fmt(m['reward/mean'], 3)} by position [${pos.join(' ')}]  ` +
    `loss ${fmt(m.loss, 4)}  clip ${fmt(m.clipped_fraction, 3)}  H ${fmt(m.entropy, 2)}  |g| ${fmt(m.grad_norm, 2)}  ` +
    `hints ${fmt(m['hint/parse_rate'], 2)}  T ${fmt(m.red_temperature, 2)}  ` +
    `rollout ${fmt(m['time/rollout_s'], 1)}s train ${fmt(m['time/train_s'], 1)}s idle ${fmt(m['time/idle_s'], 1)}s`
  );
}

/** Every eval suite of the curriculum on the policy at `step`, stored with that step (and its checkpoint). */
function storeEvals(
  store: RunStore,
  runId: string,
  c: Curriculum,
  host: EnvHost,
  onEvent: (e: TrainerEvent) => void,
): EvalHook {
  return async ({ policy, step, checkpointDir, signal }) => {
    for (const suite of c.evals) {
      const result = await evaluateSuite({
        suite,
        curriculum: c,
        policy,
        host,
        keepRecords: true,
        onProgress: (done, total) => onEvent({ event: 'phase', phase: 'eval', step, suite: suite.name, done, total }),
        ...(signal ? { signal } : {}),
      });
      if (signal?.aborted) return; // stopped: a suite that finished anyway is not stored half-way through a stop
      store.commitEval(runId, evalCommit(result, step));
      if (checkpointDir) store.setCheckpointEval(runId, step, suite.name, evalSummaryJson(result));
      onEvent({ event: 'eval', step, suite: suite.name, summary: suiteSummary(result) });
    }
  };
}

function evalLine(e: Extract<TrainerEvent, { event: 'eval' }>): string {
  const sum = e.summary as { positions: { k: number; mean: number | null }[] };
  return `eval step ${e.step} ${e.suite}: by position [${sum.positions.map((p) => fmt(p.mean ?? undefined, 2)).join(' ')}]`;
}

/** A one-line progress bar on stderr (terminals only), redrawn under the per-step summary lines. */
class StepBar {
  private readonly t0 = Date.now();
  private readonly timer: NodeJS.Timeout;
  private readonly first: number;
  constructor(
    private readonly total: number,
    private done: number,
  ) {
    this.first = done;
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }
  advance(step: number): void {
    this.done = step;
  }
  draw(): void {
    const w = 30;
    const filled = Math.round((w * this.done) / this.total);
    const secs = (Date.now() - this.t0) / 1000;
    const per = this.done > this.first ? secs / (this.done - this.first) : NaN;
    const eta = Number.isFinite(per) ? `, ETA ${Math.round((per * (this.total - this.done)) / 60)} min` : '';
    process.stderr.write(
      `\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(w - filled)}] step ${this.done}/${this.total}, ` +
        `${Math.round(secs)} s${eta}`,
    );
  }
  clear(): void {
    process.stderr.write('\r\x1b[K');
  }
  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }
}

async function train(
  store: RunStore,
  runId: string,
  cfg: StoredRunConfig,
  events: boolean,
  resumeFrom: boolean,
  maxMinutes?: number,
): Promise<number> {
  const run = store.getRun(runId);
  store.acquireRunLease(runId);
  let resume: { step: number; dir: string; sha256: string } | undefined;
  if (resumeFrom) {
    const cp = store.latestCheckpoint(runId);
    // Check the checkpoint before dropping the steps after it: a corrupt one must leave the store as it was.
    if (cp) await verifyRunCheckpoint(cp.path, cp.sha256);
    store.truncateAfter(runId, cp ? cp.step : 0);
    if (cp) resume = { step: cp.step, dir: cp.path, sha256: cp.sha256 };
  }
  const stop = new StopRequest('cod train');
  // A time budget stops the run like a signal: after the step in progress, with a checkpoint.
  const budget =
    maxMinutes !== undefined
      ? setTimeout(
          () => stop.stop(`${maxMinutes} min budget reached, stopping after the current step`),
          maxMinutes * 60_000,
        )
      : undefined;
  const emit = (o: object): void => {
    if (events) process.stdout.write(JSON.stringify(o) + '\n');
  };
  emit({ event: 'run', runId, runDir: run.runDir, resumedFrom: resume?.step ?? null });
  if (!events) console.log(`run ${runId} -> ${run.runDir}${resume ? ` (resuming after step ${resume.step})` : ''}`);
  const host = new CurriculumEnvHost(cfg.pluginDirs.length ? loadPlugins(cfg.pluginDirs) : []);
  store.setRunStatus(runId, 'running');
  const bar = !events && process.stderr.isTTY ? new StepBar(cfg.trainer.steps, resume?.step ?? 0) : undefined;
  const say = (line: string): void => {
    bar?.clear();
    console.log(line);
    bar?.draw();
  };
  const onEvent = (e: TrainerEvent): void => {
    emit(e);
    if (events) return;
    if (e.event === 'step') {
      bar?.advance(e.step);
      say(stepLine(e));
    }
    if (e.event === 'checkpoint') say(`checkpoint step ${e.step} -> ${e.path}`);
    if (e.event === 'eval') say(evalLine(e));
    if (e.event === 'phase' && e.phase === 'eval' && e.done === 0) say(`evaluating ${e.suite} at step ${e.step}…`);
  };
  bar?.draw();
  try {
    const out = await runTrainer({
      store,
      runId,
      runDir: run.runDir,
      curriculum: cfg.curriculum,
      trainer: cfg.trainer,
      baseModelDir: cfg.model,
      ...(resume ? { resume } : {}),
      host,
      workers: new ThreadWorkerHost(),
      signal: stop.signal,
      onEvent,
      ...(cfg.curriculum.evals.length > 0 ? { evaluate: storeEvals(store, runId, cfg.curriculum, host, onEvent) } : {}),
    });
    store.setRunStatus(runId, out.status);
    emit({ event: 'done', status: out.status, lastStep: out.lastStep });
    if (!events) console.log(`run ${runId} ${out.status} at step ${out.lastStep} (store ${store.path})`);
    return 0;
  } catch (e) {
    try {
      store.setRunStatus(runId, 'failed', e instanceof Error ? e.message : String(e));
    } catch {
      // The store may be what failed (a full disk): the original error is the one to report.
    }
    emit({ event: 'done', status: 'failed', error: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    clearTimeout(budget);
    bar?.stop();
    stop.dispose();
    await host.dispose();
    store.releaseRunLease(runId);
  }
}

export const trainCommand: CliCommand = {
  path: ['train'],
  summary: 'Train a policy with CoD RL on a curriculum (or --resume a run from its last checkpoint)',
  usage:
    '(CURRICULUM.yaml [--model DIR] [--out RUN_DIR] [--name NAME] | --resume RUN_ID) [--steps N] [--max-minutes M]\n' +
    '      [--store FILE] [--store-max-mb N] [--events]\n\n' +
    '  --model DIR   starting model (default: the built-in model, resources/models/builtin)\n' +
    '  --out DIR     run directory for checkpoints (default: $COD_HOME/runs/RUN_ID)\n' +
    '  --store FILE  run store (default: $COD_HOME/runs.db; COD_HOME defaults to ~/.cod)\n' +
    '  --steps N     override training.steps (e.g. to extend a finished run)\n' +
    '  --events      JSON lines on stdout: run, phase, step, checkpoint, eval, done\n' +
    '  --max-minutes M  stop (with a checkpoint) after the step running when M minutes have passed\n' +
    '  --store-max-mb N  cap the run store file (a shared disk): past it a step fails like a full disk, nothing partial\n\n' +
    'SIGINT/SIGTERM stop after the current step and save a checkpoint (an evaluation in progress is abandoned at\n' +
    'once, its results not stored); `--resume` continues from it.',
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        model: { type: 'string' },
        out: { type: 'string' },
        name: { type: 'string' },
        resume: { type: 'string' },
        steps: { type: 'string' },
        store: { type: 'string' },
        events: { type: 'boolean' },
        'max-minutes': { type: 'string' },
        'store-max-mb': { type: 'string' },
      },
      true,
    );
    const storePath = resolve(values.store ?? defaultStorePath());
    const maxMb = values['store-max-mb'] !== undefined ? Number(values['store-max-mb']) : undefined;
    if (maxMb !== undefined && !(maxMb > 0))
      throw new CodError('bad_input', `--store-max-mb must be a positive number, got '${values['store-max-mb']}'`);
    const storeOpts = maxMb !== undefined ? { maxBytes: maxMb * 1024 * 1024 } : {};
    const stepsOverride = values.steps !== undefined ? intFlag(values.steps, 'steps', 0) : undefined;
    if (stepsOverride !== undefined && stepsOverride < 1) throw new CodError('bad_input', '--steps must be at least 1');
    const maxMinutes = values['max-minutes'] !== undefined ? Number(values['max-minutes']) : undefined;
    if (maxMinutes !== undefined && !(maxMinutes > 0))
      throw new CodError('bad_input', `--max-minutes must be a positive number, got '${values['max-minutes']}'`);
    if (values.resume !== undefined) {
      if (positionals.length > 0 || values.model || values.out)
        throw new CodError('bad_input', '--resume takes a run id only (the run keeps its curriculum and model)');
      const store = openStore(storePath, storeOpts);
      try {
        const run = store.getRun(values.resume);
        const stored = run.config as unknown as StoredRunConfig;
        const trainer = parseTrainerConfig({ ...stored.trainer, ...(stepsOverride ? { steps: stepsOverride } : {}) });
        if (run.status === 'finished' && (run.lastStep ?? 0) >= trainer.steps)
          throw new CodError(
            'bad_input',
            `run already finished ${trainer.steps} steps (give --steps N to extend it)`,
            run.id,
          );
        return await train(store, run.id, { ...stored, trainer }, values.events ?? false, true, maxMinutes);
      } finally {
        store.close();
      }
    }
    if (positionals.length !== 1) throw new CodError('bad_input', 'expected one CURRICULUM.yaml (or --resume RUN_ID)');
    const file = resolve(positionals[0]);
    const loaded = loadCurriculum(file, { trainingSchema: trainerConfigSchema });
    const trainer = parseTrainerConfig({
      ...loaded.curriculum.training,
      ...(stepsOverride ? { steps: stepsOverride } : {}),
    });
    const model = resolve(values.model ?? BUILTIN_MODEL_DIR);
    if (!existsSync(join(model, 'config.json')))
      throw new CodError('not_found', 'model directory has no config.json', model);
    if (values.out) {
      const marker = join(resolve(values.out), RUN_FILE);
      if (existsSync(marker)) {
        let owner = 'another run';
        try {
          owner = `run ${(JSON.parse(readFileSync(marker, 'utf8')) as { runId?: string }).runId}`;
        } catch {
          /* unreadable marker: still taken */
        }
        throw new CodError('bad_input', `run directory already belongs to ${owner} (use --resume)`, values.out);
      }
    }
    const store = openStore(storePath, storeOpts);
    try {
      const cfg: StoredRunConfig = {
        curriculum: loaded.curriculum,
        curriculumFile: file,
        pluginDirs: loaded.plugins.map((p) => p.dir),
        model,
        trainer,
      };
      const id = newRunId();
      const runDir = resolve(values.out ?? join(workbenchHome(), 'runs', id));
      const run = store.createRun({
        id,
        name: values.name ?? loaded.curriculum.name,
        config: cfg as unknown as JsonObject,
        seeds: [trainer.seed],
        codeVersion: codeVersion(),
        runDir,
      });
      mkdirSync(runDir, { recursive: true });
      writeFileSync(join(runDir, RUN_FILE), JSON.stringify({ runId: run.id, store: storePath }, null, 2) + '\n');
      return await train(store, run.id, cfg, values.events ?? false, false, maxMinutes);
    } finally {
      store.close();
    }
  },
};
