/**
 * Names both ends of a transport agree on. Kept free of imports: the sandboxed preload bundles only this file
 * (a sandboxed preload cannot load npm packages such as zod).
 */
/** The query parameter that carries the per-launch token of `cod serve`. */
export const TOKEN_PARAM = 'token';
/** The path of the WebSocket endpoint. */
export const WS_PATH = '/api';
/**
 * A plain GET that says whether a token is this server's (204) or not (403), so the page can tell "token refused"
 * from "server down" (a refused WebSocket upgrade looks the same as an unreachable server to a browser).
 */
export const SESSION_PATH = '/api/session';
/** The Electron IPC channels of the bridge. */
export const IPC_CALL = 'cod:call';
export const IPC_EVENT = 'cod:event';
