/**
 * What the renderer sees: the records the api methods return and the events it hears. Plain JSON shapes (no typed
 * arrays, no NaN: a missing or NaN number is null) so the same values cross Electron IPC and a WebSocket.
 */
import type { CompareResult } from './jobs.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type RunStatus = 'created' | 'running' | 'stopped' | 'finished' | 'failed';

export interface RunSummary {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Highest committed training step, null before the first. */
  readonly lastStep: number | null;
  readonly lastError: string | null;
  /** A live trainer holds the run's lease (on this host or another). */
  readonly live: boolean;
  /** This workbench launched the trainer and can stop it. */
  readonly ownedByWorkbench: boolean;
  readonly runDir: string;
}

export interface CheckpointInfo {
  readonly runId: string;
  readonly step: number;
  readonly path: string;
  readonly createdAt: number;
  /** Eval results by suite name, as the evaluator stored them. */
  readonly eval: JsonObject;
}

export interface RunDetail extends RunSummary {
  readonly config: JsonObject;
  readonly seeds: (number | string)[];
  readonly codeVersion: string;
  readonly metricNames: string[];
  readonly checkpoints: CheckpointInfo[];
  /** Eval suite names of the run's curriculum (what Compare can evaluate on). */
  readonly evalSuites: string[];
  /** Steps that have stored training lifecycles (what Replay can open). */
  readonly lifecycleSteps: number[];
}

/** One metric over steps; index i of every array is the same point. */
export interface SeriesData {
  readonly steps: number[];
  readonly values: (number | null)[];
  readonly wallTimes: number[];
}

export type Split = 'train' | 'eval';

export interface LifecycleRow {
  readonly id: number;
  readonly runId: string;
  readonly key: string;
  readonly step: number;
  readonly packId: string;
  readonly domain: string;
  readonly rolloutIndex: number;
  readonly split: Split;
  readonly suite: string | null;
  readonly checkpointStep: number | null;
  /** Task reward r^x by pack position (null where not reached). */
  readonly rewards: (number | null)[];
  readonly updateRewards: (number | null)[];
  readonly error: string | null;
}

export interface ChatMessageView {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface SampleView {
  readonly position: number;
  readonly kind: 'solve' | 'update';
  readonly turn: number;
  readonly messages: ChatMessageView[];
  readonly response: string;
  /** The response split into the model's tokens (decoded one by one), when the run's tokenizer was found. */
  readonly responseTokens: string[] | null;
  readonly responseIds: number[] | null;
  readonly logprobs: (number | null)[] | null;
  readonly advantages: (number | null)[] | null;
  readonly reward: number | null;
  readonly return: number | null;
  readonly advantage: number | null;
  readonly outcome: string | null;
  readonly hintBefore: string | null;
  readonly hintAfter: string | null;
  /** The environment's feedback on the finished task (solve calls). */
  readonly feedback: string | null;
}

export interface LifecycleView extends LifecycleRow {
  readonly hints: string[];
  readonly samples: SampleView[];
}

export interface CurriculumIssue {
  readonly line: number;
  readonly col: number;
  /** Dotted field path, e.g. `train.domains[0].weight` ('' for the whole document). */
  readonly field: string;
  readonly message: string;
}

export interface CurriculumCheck {
  readonly ok: boolean;
  /** The YAML that was checked (what a save would write). */
  readonly yaml: string;
  readonly issues: CurriculumIssue[];
  /** The curriculum with every default filled in, when it is valid. */
  readonly curriculum: JsonObject | null;
}

export interface PresetInfo {
  readonly name: string;
  /** builtin: shipped in resources/curricula (read only); user: saved under $COD_HOME/curricula. */
  readonly source: 'builtin' | 'user';
  readonly file: string;
}

export interface PresetText {
  readonly preset: PresetInfo;
  readonly text: string;
  readonly check: CurriculumCheck;
}

export interface DomainView {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly presets: string[];
  readonly defaultPreset: string;
}

export interface PreviewTask {
  readonly index: number;
  readonly taskId: string;
  readonly maxTurns: number;
  readonly rules: string;
  readonly observation: string;
}

export interface PackPreview {
  readonly domain: string;
  readonly preset: string;
  readonly seed: number;
  readonly tasks: PreviewTask[];
}

export interface CheckpointRef {
  readonly runId: string;
  readonly step: number;
}

export type JobKind = 'train' | 'compare';
export type JobState = 'starting' | 'running' | 'done' | 'failed' | 'stopped';

/** Work this workbench runs in a worker process (a trainer, a comparison), as the UI shows it. */
export interface JobView {
  readonly id: string;
  readonly kind: JobKind;
  readonly state: JobState;
  readonly label: string;
  readonly runId: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly progress: { readonly done: number; readonly total: number } | null;
  readonly error: string | null;
  /** A comparison's result (kind 'compare', state 'done'). */
  readonly result: CompareResult | null;
  readonly compare: { readonly a: CheckpointRef; readonly b: CheckpointRef; readonly suite: string } | null;
}

export interface AppInfo {
  readonly version: string;
  readonly storePath: string;
  readonly codHome: string;
  /** This install can start `cod train` (it has the `cod` entry point; every build registers the job commands). */
  readonly trainerAvailable: boolean;
  readonly compareAvailable: boolean;
  readonly builtinModel: string | null;
  /** The choices the curriculum form offers (the curriculum schema owns these lists). */
  readonly curriculumOptions: {
    readonly memoryModes: string[];
    readonly packStrategies: string[];
    readonly evalKinds: string[];
    readonly renderings: string[];
  };
}

export type TableName = 'runs' | 'steps' | 'metrics' | 'lifecycles' | 'samples' | 'checkpoints';

/** Events say what changed; views read again through the api methods. */
export type ApiEvent =
  | {
      readonly type: 'rows';
      readonly table: TableName;
      readonly runId: string;
      readonly step: number | null;
      readonly op: 'insert' | 'update' | 'truncate';
    }
  | { readonly type: 'job'; readonly job: JobView };

/** The error every failed call carries (a CodError's JSON, with a curriculum's located issues when it has them). */
export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
  readonly where?: string;
  readonly issues?: CurriculumIssue[];
}
