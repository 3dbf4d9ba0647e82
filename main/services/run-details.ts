/**
 * What the run details show beyond the store's row: the model and curriculum it was launched with, the backend,
 * the adapter, the trainer settings, a command line, how long it ran, its pace and why it stopped. All read from
 * the stored config (whatever `cod train` stored) and the trainer's log when the workbench launched it.
 */
import type { JsonObject, RunDetail } from '../api/types.ts';
import type { RunRecord, RunStore } from '../store/index.ts';
import { hasLiveTrainer } from '../store/index.ts';
import { runConfigView } from '../training/run-session.ts';
import { readTrainerLog, shellWord } from './trainer-log.ts';

type Extra = Pick<
  RunDetail,
  | 'model'
  | 'curriculumFile'
  | 'backend'
  | 'adapter'
  | 'trainer'
  | 'command'
  | 'durationMs'
  | 'secondsPerStep'
  | 'stopReason'
>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): JsonObject | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : null;

/** The step count a run trains to: its stored trainer settings, else its curriculum's `training.steps`. */
export function stepsOf(config: JsonObject): number | null {
  const view = runConfigView(config);
  const t = view.trainer?.steps ?? obj(view.curriculum?.training)?.steps;
  return typeof t === 'number' ? t : null;
}

export function curriculumNameOf(config: JsonObject): string | null {
  return str(runConfigView(config).curriculum?.name);
}

/** Seconds per step over the last ten committed steps (wall clock between commits). */
function pace(store: RunStore, r: RunRecord): number | null {
  if (r.lastStep === null || r.lastStep < 1) return null;
  const recent = store.listSteps(r.id, Math.max(0, r.lastStep - 10));
  if (recent.length < 2) return null;
  const span = recent[recent.length - 1].committedAt - recent[0].committedAt;
  return span > 0 ? span / 1000 / (recent.length - 1) : null;
}

function stopReason(r: RunRecord, logTail: readonly string[]): string | null {
  const at = r.lastStep === null ? 'before its first step' : `after step ${r.lastStep}`;
  switch (r.status) {
    case 'finished':
      return `finished: trained all ${r.lastStep ?? 0} steps`;
    case 'failed':
      return `failed ${at}: ${r.lastError ?? 'no error recorded'}`;
    case 'stopped': {
      // The trainer says why on stderr ("stopping after the current step", "… min budget reached …").
      const said = [...logTail].reverse().find((l) => /cod train: /.test(l));
      const why = said ? said.replace(/^\S+ cod train: /, '') : 'on request or at its time budget';
      return `stopped ${at}: ${why}`;
    }
    case 'running':
      return hasLiveTrainer(r)
        ? null
        : `interrupted ${at}: its trainer is gone (killed or crashed); resume continues it`;
    default:
      return null;
  }
}

export function runDetailExtra(store: RunStore, r: RunRecord, storePath: string): Extra {
  const c = r.config;
  const view = runConfigView(c);
  const log = readTrainerLog(r.runDir, 200);
  const model = view.model;
  const curriculumFile = str(c.curriculumFile);
  const trainer = view.trainer;
  const backend = str(c.backend) ?? str(obj(c.backend)?.kind) ?? 'local';
  // A LoRA run: the curriculum's model.lora, with the adapter directory it started from (cod train --adapter).
  const lora = obj(obj(view.curriculum?.model)?.lora);
  const startedFrom = str(c.adapter);
  const adapter =
    lora || startedFrom
      ? { ...(lora ?? {}), ...(startedFrom ? { from: startedFrom } : {}) }
      : (obj(c.lora) ?? obj(trainer?.lora) ?? null);
  const command = log.command
    ? [log.command]
    : [
        [
          'cod',
          'train',
          curriculumFile ?? 'CURRICULUM.yaml',
          ...(model ? ['--model', model] : []),
          ...(startedFrom ? ['--adapter', startedFrom] : []),
        ]
          .map(shellWord)
          .join(' '),
      ];
  command.push(['cod', 'train', '--resume', r.id, '--store', storePath].map(shellWord).join(' '));
  const live = hasLiveTrainer(r);
  return {
    model,
    curriculumFile,
    backend,
    adapter,
    trainer,
    command,
    durationMs: r.lastStep === null ? null : (live ? Date.now() : r.updatedAt) - r.createdAt,
    secondsPerStep: pace(store, r),
    stopReason: stopReason(r, log.lines),
  };
}
