import { resolve } from 'node:path';
import { CodError } from '../../base/errors.ts';
import { openStore, type RunStore } from '../../store/index.ts';
import { defaultStorePath } from '../../training/locations.ts';
import type { TrainEvent } from '../../api/jobs.ts';
import { createRun, planRun, resumeConfig, trainRun, type StoredRunConfig } from '../../training/run-session.ts';
import { ThreadWorkerHost } from '../../workers/host.ts';
import { intFlag, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { StopRequest } from '../stop-request.ts';

function fmt(x: number | null | undefined, d = 3): string {
  return x === undefined || x === null ? '-' : x.toFixed(d);
}

function stepLine(e: Extract<TrainEvent, { event: 'step' }>): string {
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

function evalLine(e: Extract<TrainEvent, { event: 'eval' }>): string {
  const cached = e.cached ? ' (read from the eval cache)' : '';
  return `eval step ${e.step} ${e.suite}: by position [${e.summary.positions.map((p) => fmt(p.mean, 2)).join(' ')}]${cached}`;
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

/** Prints a session's events: JSON lines with --events, else one line per step, checkpoint and eval, and a bar. */
function printer(events: boolean, totalSteps: number): { onEvent: (e: TrainEvent) => void; stop(): void } {
  let bar: StepBar | undefined;
  const say = (line: string): void => {
    bar?.clear();
    console.log(line);
    bar?.draw();
  };
  return {
    onEvent(e) {
      if (events) {
        process.stdout.write(JSON.stringify(e) + '\n');
        return;
      }
      if (e.event === 'run') {
        console.log(
          `run ${e.runId} -> ${e.runDir}${e.resumedFrom !== null ? ` (resuming after step ${e.resumedFrom})` : ''}`,
        );
        if (process.stderr.isTTY) bar = new StepBar(totalSteps, e.resumedFrom ?? 0);
        bar?.draw();
      }
      if (e.event === 'step') {
        bar?.advance(e.step);
        say(stepLine(e));
      }
      if (e.event === 'checkpoint') say(`checkpoint step ${e.step} -> ${e.path}`);
      if (e.event === 'eval') say(evalLine(e));
      if (e.event === 'phase' && e.phase === 'eval' && e.done === 0) say(`evaluating ${e.suite} at step ${e.step}…`);
      if (e.event === 'done') bar?.stop();
    },
    stop: () => bar?.stop(),
  };
}

async function train(
  store: RunStore,
  runId: string,
  config: StoredRunConfig,
  events: boolean,
  resume: boolean,
  maxMinutes?: number,
  apiKey?: string,
): Promise<number> {
  const stop = new StopRequest('cod train');
  // A time budget stops the run like a signal: after the step in progress, with a checkpoint.
  const budget =
    maxMinutes !== undefined
      ? setTimeout(
          () => stop.stop(`${maxMinutes} min budget reached, stopping after the current step`),
          maxMinutes * 60_000,
        )
      : undefined;
  const out = printer(events, config.trainer.steps);
  try {
    const r = await trainRun({
      store,
      runId,
      config,
      resume,
      workers: new ThreadWorkerHost(),
      ...(apiKey ? { apiKey } : {}),
      signal: stop.signal,
      onEvent: out.onEvent,
    });
    if (!events) console.log(`run ${runId} ${r.status} at step ${r.lastStep} (store ${store.path})`);
    return 0;
  } finally {
    clearTimeout(budget);
    out.stop();
    stop.dispose();
  }
}

export const trainCommand: CliCommand = {
  path: ['train'],
  summary: 'Train a policy with CoD RL on a curriculum (or --resume a run from its last checkpoint)',
  usage:
    '(CURRICULUM.yaml [--model DIR] [--out RUN_DIR] [--name NAME] [--backend URL [--base-model NAME]] | --resume RUN_ID)\n' +
    '      [--api-key K] [--steps N] [--max-minutes M] [--store FILE] [--store-max-mb N] [--events]\n\n' +
    '  --model DIR   starting model (default: the built-in model, resources/models/builtin); with --backend, the\n' +
    "                directory of the base model's tokenizer and chat template\n" +
    '  --backend URL train on a Tinker-compatible server (cod backend serve, skyrl-tx, hosted Tinker) instead of\n' +
    "                this machine's engine; overrides the curriculum's backend: section\n" +
    "  --base-model NAME  the server's base model (default: the curriculum's backend.baseModel, else its only one)\n" +
    "  --api-key K   the server's key (default $TINKER_API_KEY; never stored: give it again with --resume)\n" +
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
        backend: { type: 'string' },
        'base-model': { type: 'string' },
        'api-key': { type: 'string' },
      },
      true,
    );
    const apiKey = values['api-key'];
    if (values['base-model'] !== undefined && values.backend === undefined)
      throw new CodError('bad_input', '--base-model names a model on a --backend server; give --backend URL too');
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
      if (positionals.length > 0 || values.model || values.out || values.backend)
        throw new CodError(
          'bad_input',
          '--resume takes a run id only (the run keeps its curriculum, model and backend)',
        );
      const store = openStore(storePath, storeOpts);
      try {
        const config = resumeConfig(store, values.resume, stepsOverride);
        return await train(store, values.resume, config, values.events ?? false, true, maxMinutes, apiKey);
      } finally {
        store.close();
      }
    }
    if (positionals.length !== 1) throw new CodError('bad_input', 'expected one CURRICULUM.yaml (or --resume RUN_ID)');
    const plan = await planRun({
      curriculumFile: positionals[0],
      ...(values.backend !== undefined
        ? {
            backend: {
              url: values.backend,
              ...(values['base-model'] !== undefined ? { baseModel: values['base-model'] } : {}),
            },
          }
        : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(values.model !== undefined ? { model: values.model } : {}),
      ...(values.out !== undefined ? { runDir: values.out } : {}),
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(stepsOverride !== undefined ? { steps: stepsOverride } : {}),
    });
    const store = openStore(storePath, storeOpts);
    try {
      const id = createRun(store, plan);
      return await train(store, id, plan.config, values.events ?? false, false, maxMinutes, apiKey);
    } finally {
      store.close();
    }
  },
};
