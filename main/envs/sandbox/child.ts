/**
 * Entry of a plugin sandbox process (started by SandboxProcess through sandboxLaunch, never imported by the
 * workbench). argv[2] is the plugin directory. Requests arrive one per line on stdin and are answered in order,
 * one JSON line each on stdout; both directions are checked against protocol.ts. Nothing else is ever written
 * to stdout. After a timed-out call the realm may be half-updated, so the process exits.
 */
import { createInterface } from 'node:readline';
import { PluginRealm, RealmLoadError, RealmTimeout, safeMessage } from './realm.ts';
import {
  replySchema,
  requestSchema,
  resultSchemas,
  summarizeIssues,
  type FailureKind,
  type SandboxReply,
  type SandboxRequest,
} from './protocol.ts';

/** Largest reply line; the host enforces its own (larger) bound too. */
const MAX_REPLY_CHARS = 1024 * 1024;

const pluginDir = process.argv[2];
let realm: PluginRealm | undefined;

function failure(id: number, kind: FailureKind, message: string, logs?: string[]): SandboxReply {
  return { id, ok: false, error: { kind, message: message.slice(0, 4000) }, ...(logs ? { logs } : {}) };
}

async function handle(line: string): Promise<{ reply: SandboxReply; exit: boolean }> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { reply: failure(0, 'bad_request', 'request is not JSON'), exit: false };
  }
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : 0;
    return { reply: failure(id, 'bad_request', summarizeIssues(parsed.error)), exit: false };
  }
  const req: SandboxRequest = parsed.data;

  if (req.op === 'load') {
    if (realm) return { reply: failure(req.id, 'bad_request', 'plugin already loaded'), exit: false };
    try {
      realm = await PluginRealm.load(pluginDir, req.entry, req.loadTimeoutMs);
    } catch (e) {
      if (e instanceof RealmTimeout) return { reply: failure(req.id, 'timeout', e.message), exit: true };
      const msg = e instanceof RealmLoadError ? e.message : safeMessage(e);
      return { reply: failure(req.id, 'load_error', msg), exit: false };
    }
  } else if (!realm) {
    return { reply: failure(req.id, 'bad_request', 'plugin not loaded'), exit: false };
  }

  let out: unknown;
  try {
    out = realm.dispatch(JSON.stringify(req));
  } catch (e) {
    return { reply: failure(req.id, 'plugin_error', `${req.op} failed: ${safeMessage(e)}`), exit: false };
  }
  if (typeof out !== 'string' || out.length > MAX_REPLY_CHARS)
    return { reply: failure(req.id, 'plugin_error', `${req.op} produced a reply that is too large`), exit: false };

  // The bridge's reply, checked like any message from untrusted code.
  let bridgedRaw: unknown;
  try {
    bridgedRaw = JSON.parse(out);
  } catch {
    return { reply: failure(req.id, 'plugin_error', `${req.op} produced a reply that is not JSON`), exit: false };
  }
  const bridged = replySchema.safeParse({ ...(bridgedRaw as object), id: req.id });
  if (!bridged.success)
    return {
      reply: failure(req.id, 'plugin_error', `malformed reply: ${summarizeIssues(bridged.error)}`),
      exit: false,
    };
  const reply = bridged.data;
  if (!reply.ok) return { reply, exit: false };
  const result = resultSchemas[req.op].safeParse(reply.result);
  if (!result.success) {
    const msg = `returned a malformed ${req.op} result: ${summarizeIssues(result.error)}`;
    return { reply: failure(req.id, 'plugin_error', msg, reply.logs), exit: false };
  }
  return { reply: { ...reply, result: result.data }, exit: false };
}

function send(reply: SandboxReply): Promise<void> {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(reply) + '\n', () => resolve()));
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  const { reply, exit } = await handle(line);
  await send(reply);
  if (exit) process.exit(0);
}
process.exit(0);
