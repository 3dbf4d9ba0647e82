/**
 * The wire: how a call and its answer travel (WebSocket frames; the Electron bridge carries the same request and
 * answer objects over IPC), and the schemas each side checks before trusting a frame.
 */
import { z } from 'zod';
import type { ApiErrorBody, ApiEvent } from './types.ts';

export const requestFrame = z.strictObject({
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  params: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof requestFrame>;

export const errorBody = z.object({
  code: z.string(),
  message: z.string(),
  where: z.string().optional(),
  issues: z.array(z.object({ line: z.number(), col: z.number(), field: z.string(), message: z.string() })).optional(),
});

/** The answer to one call: `ok` with its result, or the one error. */
export type Answer =
  { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ApiErrorBody };

export const answer = z.union([
  z.strictObject({ ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: errorBody }),
]);

export const responseFrame = z.intersection(z.strictObject({ id: z.number().int() }).loose(), answer);

const tableName = z.enum(['runs', 'steps', 'metrics', 'lifecycles', 'samples', 'checkpoints']);
export const eventSchema = z.union([
  z.strictObject({
    type: z.literal('rows'),
    table: tableName,
    runId: z.string(),
    step: z.number().nullable(),
    op: z.enum(['insert', 'update', 'truncate']),
  }),
  z.strictObject({ type: z.literal('job'), job: z.record(z.string(), z.unknown()) }),
]);

export const eventFrame = z.strictObject({ event: eventSchema });

/** Narrow a checked event to the api's type (job views are built by the services, trusted after the shape check). */
export function asApiEvent(e: z.infer<typeof eventSchema>): ApiEvent {
  return e as unknown as ApiEvent;
}

export { TOKEN_PARAM, WS_PATH, SESSION_PATH, IPC_CALL, IPC_EVENT } from './channels.ts';
