/**
 * What the renderer sees: the records the api methods return and the events it hears. Plain JSON shapes (no typed
 * arrays, no NaN: a missing or NaN number is null) so the same values cross Electron IPC and a WebSocket.
 */
import type { ChatMessage, EpisodeKind } from '../base/chat.ts';
import type { CodEffectStat, CompareResult, PositionStat } from './jobs.ts';

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
  /** The researcher's labels and notes (stored with the run). */
  readonly tags: string[];
  readonly notes: string;
  /** The name of the curriculum it trains on (from its stored config), for filtering. */
  readonly curriculum: string | null;
  /** The step count it trains to, when its config says. */
  readonly steps: number | null;
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
  /** The model the run started from (its directory), when the config names it. */
  readonly model: string | null;
  /** The curriculum file it was launched with, as stored. */
  readonly curriculumFile: string | null;
  /** Where training runs: 'local' (this machine's workers) unless the config names another backend. */
  readonly backend: string;
  /** The LoRA adapter settings, or null for a full fine-tune. */
  readonly adapter: JsonObject | null;
  /** The trainer settings in effect (the curriculum's `training:` with defaults), when stored. */
  readonly trainer: JsonObject | null;
  /** `cod` command lines: how it was launched (as run, or the equivalent), then how to continue it. */
  readonly command: string[];
  /** First to last committed step (ms); null before two steps. */
  readonly durationMs: number | null;
  /** Mean seconds per step over the last steps, null before two steps (what a resume's time estimate uses). */
  readonly secondsPerStep: number | null;
  /** Why it is not running, in words (finished its steps, stopped on request, failed: error, interrupted). */
  readonly stopReason: string | null;
}

/** The trainer's output kept for a run the workbench launched (`<runDir>/trainer.log`), last lines. */
export interface RunLog {
  readonly file: string | null;
  readonly lines: string[];
  /** Earlier lines were left out. */
  readonly truncated: boolean;
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

/** One message of a sample's prompt (main/base/chat.ts). */
export type ChatMessageView = ChatMessage;

export interface SampleView {
  readonly position: number;
  readonly kind: EpisodeKind;
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
  /** The hints before and after this call, as text ('' for none: z_0 or unparsable hints); null when not stored. */
  readonly hintBefore: string | null;
  readonly hintAfter: string | null;
  /** The environment's feedback on the finished task (solve calls). */
  readonly feedback: string | null;
}

export interface LifecycleView extends LifecycleRow {
  /** z_0 … z_{S-1}: the hints each task was solved with, as text ('' for none). */
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

/**
 * A model a comparison can evaluate: the built-in model, the model a run started from, one of a run's saved
 * checkpoints, or any model / checkpoint directory on the server's machine.
 */
export type ModelRef =
  | { readonly kind: 'builtin' }
  | { readonly kind: 'base'; readonly runId: string }
  | { readonly kind: 'checkpoint'; readonly runId: string; readonly step: number }
  | { readonly kind: 'dir'; readonly path: string };

/** Where a comparison takes its eval suites from: a run's stored curriculum, or a curriculum preset. */
export type SuiteSource =
  | { readonly kind: 'run'; readonly runId: string }
  | { readonly kind: 'preset'; readonly name: string; readonly source?: 'builtin' | 'user' };

export interface CompareSpec {
  readonly a: ModelRef;
  readonly b: ModelRef;
  readonly suites: SuiteSource;
  readonly suite: string;
  /** Replaces the suite's dataset seeds (more or other held-out packs), the same for both sides. */
  readonly seeds?: number[];
}

export type JobKind = 'train' | 'compare';
export type JobState = 'starting' | 'running' | 'done' | 'failed' | 'stopped';

/** What a job is doing now: a named phase with its own count and time left. */
export interface JobPhase {
  /** e.g. 'eval', 'rollout', 'train', 'checkpoint', 'load', 'evaluate A'. */
  readonly name: string;
  /** One line for people: "evaluating heldout on step 0's policy". */
  readonly label: string;
  readonly done: number | null;
  readonly total: number | null;
  /** What is counted (tasks, steps). */
  readonly unit: string | null;
  /** Since the phase began, at the time of this view. */
  readonly elapsedMs: number;
  /** Left in this phase at its current pace, at the time of this view; null until it can be told. */
  readonly etaMs: number | null;
}

/** Work this workbench runs in a worker process (a trainer, a comparison), as the UI shows it. */
export interface JobView {
  readonly id: string;
  readonly kind: JobKind;
  readonly state: JobState;
  readonly label: string;
  readonly runId: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** The whole job's count (a trainer's steps, a comparison's tasks). */
  readonly progress: { readonly done: number; readonly total: number; readonly unit?: string } | null;
  /** The whole job's time left at its current pace, at the time of this view; null until it can be told. */
  readonly etaMs: number | null;
  readonly phase: JobPhase | null;
  /** A stop was asked; the worker is finishing (a trainer its step, a comparison at once). */
  readonly stopping: boolean;
  readonly error: string | null;
  /** A comparison's result (kind 'compare', state 'done'). */
  readonly result: CompareResult | null;
  readonly compare: CompareSpec | null;
}

/** A comparison the history keeps (its job ended: done, failed or stopped). */
export interface ComparisonView {
  readonly id: string;
  readonly createdAt: number;
  readonly endedAt: number;
  readonly state: 'done' | 'failed' | 'stopped';
  readonly label: string;
  readonly spec: CompareSpec;
  readonly result: CompareResult | null;
  readonly error: string | null;
}

/** One evaluated checkpoint of a suite, from the run's stored eval lifecycles. */
export interface EvalCheckpoint {
  readonly step: number;
  readonly lifecycles: number;
  readonly failed: number;
  /** Reward by pack position (attempt, for a Ralph suite) with 95% intervals. */
  readonly positions: PositionStat[];
  /** Its own last − first position, paired within lifecycles (the Ralph loop's rise). */
  readonly rise: CodEffectStat | null;
  /**
   * The CoD effect against the first evaluated checkpoint (the starting model when step 0 was evaluated):
   * (last − first here) − (last − first there), paired by pack; null for that checkpoint itself.
   */
  readonly effect: CodEffectStat | null;
}

export interface EvalSuiteCurves {
  readonly suite: string;
  readonly kind: string | null;
  /** 'attempt' for a Ralph suite (the same task again), else 'position'. */
  readonly unit: 'position' | 'attempt';
  /** The checkpoint the effects are measured against. */
  readonly reference: number | null;
  readonly checkpoints: EvalCheckpoint[];
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
