/**
 * The page's link to the workbench server as one state the whole page shows: connecting, connected, disconnected
 * (the server stopped answering: retrying), or refused (this link's token is missing or not this server's — a
 * browser cannot see why a WebSocket upgrade failed, so the server's session check tells refused from down).
 */
import { SESSION_PATH, TOKEN_PARAM } from '../../../main/api/channels.ts';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'refused';

/** 'ok' the token is this server's; 'refused' it is not (or there is none); 'down' no answer at all. */
export async function checkSession(token: string | null, origin = location.origin): Promise<'ok' | 'refused' | 'down'> {
  if (!token) return 'refused';
  try {
    const r = await fetch(`${origin}${SESSION_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`, {
      cache: 'no-store',
    });
    if (r.status === 204) return 'ok';
    if (r.status === 403) return 'refused';
    return 'down';
  } catch {
    return 'down';
  }
}
