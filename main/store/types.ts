/**
 * The run store's public record and input types. Times are milliseconds since the Unix epoch; step timings are
 * seconds (what the trainer measures). Numbers that may be NaN (a diverged loss) round-trip as NaN.
 */
import type { ChatMessage, EpisodeKind } from '../base/chat.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const RUN_STATUSES = ['created', 'running', 'stopped', 'finished', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type Split = 'train' | 'eval';

/** Tables whose rows the live feed reports. */
export const STORE_TABLES = ['runs', 'steps', 'metrics', 'lifecycles', 'samples', 'checkpoints'] as const;
export type StoreTable = (typeof STORE_TABLES)[number];

export interface NewRun {
  /** Optional caller-chosen id (e.g. when importing a remote run); otherwise a short random id is made. */
  readonly id?: string;
  readonly name: string;
  /** The curriculum / training config as given (stored verbatim as JSON). */
  readonly config: JsonObject;
  readonly seeds: readonly (number | string)[];
  /** Git sha or package version of the code that trains the run. */
  readonly codeVersion: string;
  /** Where the trainer keeps the run's files (checkpoints, logs). */
  readonly runDir: string;
}

export interface LeaseInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly acquiredAt: number;
  readonly heartbeatAt: number;
  /** True when the holder is gone (dead pid on this host, or no heartbeat for its stale-after window). */
  readonly stale: boolean;
}

export interface RunRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly status: RunStatus;
  readonly config: JsonObject;
  readonly seeds: (number | string)[];
  readonly codeVersion: string;
  readonly runDir: string;
  readonly lastError: string | null;
  /** Highest committed training step, null before the first. */
  readonly lastStep: number | null;
  readonly lease: LeaseInfo | null;
  /** The researcher's labels for the run (search and filter), in the order given. */
  readonly tags: string[];
  /** Free text the researcher keeps with the run. */
  readonly notes: string;
}

/** What a researcher may change of a run: its name, tags and notes (never what it trained on). */
export interface RunInfoPatch {
  readonly name?: string;
  readonly tags?: readonly string[];
  readonly notes?: string;
}

export const COMPARISON_STATES = ['done', 'failed', 'stopped'] as const;
export type ComparisonState = (typeof COMPARISON_STATES)[number];

/** A finished comparison job as the history keeps it: what was compared (spec) and what came out. */
export interface ComparisonRecord {
  readonly id: string;
  readonly createdAt: number;
  readonly endedAt: number;
  readonly state: ComparisonState;
  readonly label: string;
  readonly spec: JsonObject;
  readonly result: JsonObject | null;
  readonly error: string | null;
}

export interface StepTiming {
  readonly rolloutS: number;
  readonly trainS: number;
  readonly idleS: number;
}

/** Tokens and per-token numbers accept plain arrays or typed arrays; reads always give typed arrays. */
export type IntSeq = readonly number[] | Int32Array;
export type FloatSeq = readonly number[] | Float32Array;

export interface LifecycleInput {
  /** The trainer's lifecycle id, unique within the run (samples refer to it). */
  readonly id: string;
  readonly packId: string;
  readonly domain: string;
  readonly rolloutIndex: number;
  readonly split: Split;
  /** Required for split 'eval', absent for 'train'. */
  readonly suite?: string;
  /** The checkpoint whose weights produced an eval lifecycle (0 = the starting model). */
  readonly checkpointStep?: number;
  /** Task reward r^x by pack position (null where the position was not reached). */
  readonly rewards: readonly (number | null)[];
  /** Update-context reward r^z after each position but the last. */
  readonly updateRewards: readonly (number | null)[];
  /** z_0, z_1, ... as the lifecycle produced them. */
  readonly hints: readonly string[];
  readonly error?: string;
}

export interface SampleInput {
  /** The LifecycleInput.id this model call belongs to (must be in the same commit). */
  readonly lifecycleId: string;
  readonly position: number;
  readonly kind: EpisodeKind;
  readonly turn: number;
  readonly messages: readonly ChatMessage[];
  readonly response: string;
  readonly promptIds?: IntSeq;
  readonly responseIds?: IntSeq;
  readonly logprobs?: FloatSeq;
  /** Per response token advantages after RED-weighting, if the trainer keeps them. */
  readonly advantages?: FloatSeq;
  readonly reward?: number | null;
  readonly return?: number | null;
  readonly advantage?: number | null;
  readonly outcome?: string | null;
  readonly hintBefore?: string | null;
  readonly hintAfter?: string | null;
  /** The environment's feedback on the finished task (its solve calls). */
  readonly feedback?: string | null;
}

export interface StepCommit {
  readonly timing: StepTiming;
  /** Version of the policy weights that produced this step's rollouts. */
  readonly policyVersion: number;
  /** Metric name -> value at this step. */
  readonly metrics?: Readonly<Record<string, number>>;
  readonly lifecycles?: readonly LifecycleInput[];
  readonly samples?: readonly SampleInput[];
  /** Wall time of the metrics; defaults to the commit time. */
  readonly wallTime?: number;
}

export interface EvalCommit {
  /** Training step the evaluated checkpoint belongs to (0 = the starting model). */
  readonly checkpointStep: number;
  readonly suite: string;
  readonly lifecycles: readonly LifecycleInput[];
  readonly samples?: readonly SampleInput[];
  readonly metrics?: Readonly<Record<string, number>>;
  readonly wallTime?: number;
}

export interface StepRecord {
  readonly runId: string;
  readonly step: number;
  readonly policyVersion: number;
  readonly timing: StepTiming;
  /** A step row exists only once every row of the step is committed (same transaction). */
  readonly committedAt: number;
}

export interface Series {
  readonly steps: Int32Array;
  readonly values: Float64Array;
  readonly wallTimes: Float64Array;
}

export interface SeriesQuery {
  readonly fromStep?: number;
  readonly toStep?: number;
}

export interface LifecycleFilter {
  readonly step?: number;
  readonly split?: Split;
  readonly suite?: string;
  readonly checkpoint?: number;
  readonly domain?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface LifecycleSummary {
  /** The store's id (getLifecycle takes it). */
  readonly id: number;
  readonly runId: string;
  /** The trainer's lifecycle id. */
  readonly key: string;
  readonly step: number;
  readonly packId: string;
  readonly domain: string;
  readonly rolloutIndex: number;
  readonly split: Split;
  readonly suite: string | null;
  readonly checkpointStep: number | null;
  readonly rewards: (number | null)[];
  readonly updateRewards: (number | null)[];
  readonly error: string | null;
}

export interface SampleRecord {
  readonly position: number;
  readonly kind: EpisodeKind;
  readonly turn: number;
  readonly messages: ChatMessage[];
  readonly response: string;
  readonly promptIds: Int32Array | null;
  readonly responseIds: Int32Array | null;
  readonly logprobs: Float32Array | null;
  readonly advantages: Float32Array | null;
  readonly reward: number | null;
  readonly return: number | null;
  readonly advantage: number | null;
  readonly outcome: string | null;
  readonly hintBefore: string | null;
  readonly hintAfter: string | null;
  /** Null for calls without one, and for every row stored before the store kept it (schema version 2). */
  readonly feedback: string | null;
}

export interface LifecycleDetail extends LifecycleSummary {
  readonly hints: string[];
  /** In pack order: position, then the solve episode before its update, then turn. */
  readonly samples: SampleRecord[];
}

export interface NewCheckpoint {
  readonly step: number;
  readonly path: string;
  readonly sha256: string;
}

export interface CheckpointRecord {
  readonly runId: string;
  readonly step: number;
  readonly path: string;
  readonly sha256: string;
  readonly createdAt: number;
  /** Eval results by suite name. */
  readonly eval: JsonObject;
}

export interface TruncateResult {
  readonly steps: number;
  readonly metrics: number;
  readonly lifecycles: number;
  readonly checkpoints: number;
}

export type RowsOp = 'insert' | 'update' | 'truncate';

/** "New rows": what a live view needs to know to re-read. `step` is null for run-level changes. */
export interface RowsEvent {
  readonly table: StoreTable;
  readonly runId: string;
  readonly step: number | null;
  readonly op: RowsOp;
}

export interface ChangeBatch {
  /** Pass this back to changesSince to get only later changes. */
  readonly version: number;
  readonly changes: RowsEvent[];
  /**
   * Changes after the version asked for were pruned from the feed before they were read (the reader fell behind
   * its retention): `changes` is empty, `version` is the latest, and the reader must re-read what it shows.
   */
  readonly missed?: true;
}
