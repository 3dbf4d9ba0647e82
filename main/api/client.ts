/**
 * What the renderer holds: one typed api object. The Electron preload exposes it as `window.cod`; in a browser
 * the WebSocket client implements it. Failed calls reject with an ApiError carrying the server's message.
 */
import type { MethodName, Params, Result } from './methods.ts';
import type { ApiErrorBody, ApiEvent } from './types.ts';

export interface ApiClient {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  /** Returns unsubscribe. */
  onEvent(listener: (e: ApiEvent) => void): () => void;
}

/** The untyped surface the preload bridge really exposes (the renderer wraps it into an ApiClient). */
export interface BridgeApi {
  call(method: string, params: unknown): Promise<unknown>;
  onEvent(listener: (e: unknown) => void): () => void;
}

export class ApiError extends Error {
  readonly code: string;
  readonly where: string | undefined;
  readonly issues: ApiErrorBody['issues'];
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.code = body.code;
    this.where = body.where;
    this.issues = body.issues;
  }
}
