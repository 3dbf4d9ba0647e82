/**
 * Messages between the Electron main process and the api host (main/workers/api-host.ts), the utility process that
 * owns the services and the store. The window's calls go in and answers and events come out; the host also asks
 * the main process to start `cod` workers as utility processes (only the main process can) and hears their lines.
 * Both sides check every message against these schemas.
 */
import { z } from 'zod';
import { answer, eventSchema } from './protocol.ts';

/** A `cod` command to run for a job: its arguments, e.g. ['train', 'file.yaml', '--events']. */
export interface CommandSpec {
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface CommandExit {
  readonly code: number | null;
  readonly signal: string | null;
}

/** A started `cod` command as the services (and the Electron main process, which starts it in the app) see it. */
export interface CommandProcess {
  readonly pid?: number | undefined;
  onStdoutLine(listener: (line: string) => void): void;
  onStderrLine(listener: (line: string) => void): void;
  onExit(listener: (exit: CommandExit) => void): void;
  /** Ask it to stop cleanly (SIGTERM: the trainer finishes its step and marks the run 'stopped'). */
  stop(): void;
}

const wid = z.number().int().nonnegative();

export const toHost = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('call'),
    id: z.number().int().nonnegative(),
    method: z.string(),
    params: z.unknown(),
  }),
  z.strictObject({ type: z.literal('worker-line'), wid, stream: z.enum(['out', 'err']), line: z.string() }),
  z.strictObject({
    type: z.literal('worker-exit'),
    wid,
    code: z.number().int().nullable(),
    signal: z.string().nullable(),
  }),
  z.strictObject({ type: z.literal('close') }),
]);
export type ToHost = z.infer<typeof toHost>;

export const fromHost = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('answer'), id: z.number().int().nonnegative(), answer }),
  z.strictObject({ type: z.literal('event'), event: eventSchema }),
  z.strictObject({ type: z.literal('worker-start'), wid, args: z.array(z.string()).max(64) }),
  z.strictObject({ type: z.literal('worker-stop'), wid }),
]);
export type FromHost = z.infer<typeof fromHost>;
