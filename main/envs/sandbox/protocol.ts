/**
 * The messages between the workbench (host) and a plugin sandbox process, validated with zod on BOTH sides:
 * the sandbox checks every request, the host checks every reply and every result a plugin produced. Messages
 * are newline-delimited JSON on the child's stdin/stdout. Imported by the sandbox child, so it depends on zod
 * only and uses erasable TypeScript syntax (Node strips the types; no tsx inside the sandbox).
 */
import { z } from 'zod';

/** Longest text a plugin may return in one field; an environment observation is a few KB. */
export const MAX_TEXT = 256 * 1024;

const text = z.string().max(MAX_TEXT);
const id = z.number().int().nonnegative();
const packId = z.number().int().nonnegative();
const jsonRecord = z.record(z.string(), z.unknown());

export const openPackArgsSchema = z.strictObject({
  seed: z.string().min(1).max(256),
  preset: z.string().min(1).max(128),
  rendering: z.enum(['chat', 'compact']),
  options: jsonRecord.optional(),
  packSize: z.number().int().positive().max(4096).optional(),
  packIndex: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
});

export const requestSchema = z.discriminatedUnion('op', [
  z.strictObject({
    id,
    op: z.literal('load'),
    name: z.string().min(1),
    entry: z.string().min(1),
    domains: z.array(z.string().min(1)).min(1),
    loadTimeoutMs: z.number().int().positive(),
  }),
  z.strictObject({ id, op: z.literal('open'), pack: packId, domain: z.string().min(1), args: openPackArgsSchema }),
  z.strictObject({ id, op: z.literal('start'), pack: packId, index: z.number().int().nonnegative() }),
  z.strictObject({ id, op: z.literal('step'), pack: packId, action: z.string().max(MAX_TEXT) }),
  z.strictObject({ id, op: z.literal('formatError'), pack: packId, reason: z.string().max(MAX_TEXT) }),
  z.strictObject({ id, op: z.literal('close'), pack: packId }),
]);

export type SandboxRequest = z.output<typeof requestSchema>;
export type SandboxOp = SandboxRequest['op'];

/** Why a request failed inside the sandbox (the process itself stays healthy unless noted). */
export const failureKinds = [
  'plugin_error', // the plugin threw, or returned something that is not a valid result
  'timeout', // the in-sandbox time limit stopped the call; the host then stops the process
  'load_error', // the entry could not be loaded (syntax, a forbidden import, wrong exports)
  'bad_request', // the host sent something the sandbox could not accept
] as const;
export type FailureKind = (typeof failureKinds)[number];

export const replySchema = z.discriminatedUnion('ok', [
  z.strictObject({ id, ok: z.literal(true), result: z.unknown(), logs: z.array(text).max(200).optional() }),
  z.strictObject({
    id,
    ok: z.literal(false),
    error: z.strictObject({ kind: z.enum(failureKinds), message: z.string().max(4096) }),
    logs: z.array(text).max(200).optional(),
  }),
]);

export type SandboxReply = z.output<typeof replySchema>;

// Results, per op. The sandbox checks what the plugin returned against these before replying; the host checks
// the reply against them again (a compromised sandbox must not be able to hand the host anything else).

export const domainInfoSchema = z
  .strictObject({
    id: z.string().min(1).max(48),
    title: z.string().min(1).max(200),
    description: z.string().max(4000),
    presets: z.array(z.string().min(1).max(128)).min(1).max(64),
    defaultPreset: z.string().min(1).max(128),
  })
  .refine((d) => d.presets.includes(d.defaultPreset), { message: 'defaultPreset must be one of presets' });

const outcome = z.enum(['success', 'failure', 'out_of_turns', 'out_of_resources', 'illegal_action', 'format_error']);
const reward = z.number().finite();

export const episodeEndSchema = z.strictObject({
  reward,
  outcome,
  success: z.boolean(),
  feedback: text,
});

export const taskStartSchema = z.strictObject({
  taskId: z.string().min(1).max(512),
  maxTurns: z.number().int().positive().max(10_000),
  rules: text,
  observation: text,
  view: jsonRecord,
});

const turnsUsed = z.number().int().nonnegative();

export const stepResultSchema = z.discriminatedUnion('done', [
  z.strictObject({ done: z.literal(false), observation: text, view: jsonRecord, turnsUsed }),
  z.strictObject({
    done: z.literal(true),
    observation: text.optional(),
    reward,
    outcome,
    success: z.boolean(),
    feedback: text,
    view: jsonRecord,
    turnsUsed,
  }),
]);

export const resultSchemas = {
  load: z.array(domainInfoSchema).min(1),
  open: z.strictObject({ domain: z.string().min(1), seed: z.string().min(1) }),
  start: taskStartSchema,
  step: stepResultSchema,
  formatError: episodeEndSchema,
  close: z.strictObject({ closed: z.literal(true) }),
} as const;

export type ResultOf<O extends SandboxOp> = z.output<(typeof resultSchemas)[O]>;

/** Zod issues as one short line, for fault messages. */
export function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
