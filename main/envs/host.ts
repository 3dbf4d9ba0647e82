/**
 * How the lifecycle runner talks to environments: asynchronously, through a host, so built-in domains
 * (in-process) and third-party plugins (sandboxed in a worker with time and memory limits) look the same.
 */
import type { EpisodeEnd, HistoryCompression, OpenPackArgs, StepResult } from './sdk.ts';

export interface TaskStart {
  readonly taskId: string;
  readonly maxTurns: number;
  readonly rules: string;
  readonly observation: string;
  readonly view: Readonly<Record<string, unknown>>;
  /** The episode's rule for showing old user turns (TaskEpisode.historyCompression); absent: all whole. */
  readonly historyCompression?: HistoryCompression;
}

export type HostStepResult = StepResult & {
  readonly view: Readonly<Record<string, unknown>>;
  readonly turnsUsed: number;
};

/** One open pack. Exactly one task episode is active at a time (startTask begins a new one). */
export interface PackHandle {
  readonly domain: string;
  readonly seed: string;
  startTask(index: number): Promise<TaskStart>;
  /** `response`: the whole model response (see TaskEpisode.step); sandboxed plugins do not receive it. */
  step(action: string, response?: string): Promise<HostStepResult>;
  formatError(reason: string, response?: string): Promise<EpisodeEnd>;
  close(): Promise<void>;
}

export interface EnvHost {
  openPack(domain: string, args: OpenPackArgs): Promise<PackHandle>;
  dispose(): Promise<void>;
}
