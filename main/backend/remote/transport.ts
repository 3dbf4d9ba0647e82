/**
 * HTTP to a Tinker-compatible server: one JSON call with a timeout, retried with back-off when that is safe, and
 * futures polled until they finish. Every error names the server and the call, so a run that stops says which
 * service refused or disappeared:
 *  - connection refused: nothing reached the server, so any call is retried; after the attempts, "unreachable";
 *  - the connection dropped, timed out, or a 5xx / 429: retried only for idempotent calls (retrieve_future, reads,
 *    and the training calls that carry a seq_id, which servers deduplicate);
 *  - 401/403: the key; other 4xx: the server's `detail`.
 */
import { CodError } from '../../base/errors.ts';
import { requestBodies } from './requests.ts';

export interface TransportOptions {
  /** http(s)://host:port, without /api/v1. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Attempts per call when a retry is allowed (default 6, back-off 0.25 s doubling to 4 s). */
  readonly attempts?: number;
  /** One HTTP exchange (default 60 s; retrieve_future waits server-side, so this bounds that too). */
  readonly requestTimeoutMs?: number;
  /** Longest wait for one future (default 1 h). */
  readonly futureTimeoutMs?: number;
  /** Shown when a retry happens (default: silent). */
  readonly onRetry?: (message: string) => void;
  /** Called once the server has accepted a call as a future and polling starts (a progress line, a test's cue). */
  readonly onFuture?: (what: string, requestId: string) => void;
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The network error's code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, …) from fetch's wrapped cause. */
function netCode(e: unknown): string {
  let c: unknown = e;
  for (let i = 0; i < 4 && c; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    c = (c as { cause?: unknown }).cause;
  }
  return (e as Error)?.name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK';
}

function detailOf(body: unknown): string {
  const d = (body as { detail?: unknown } | null)?.detail;
  if (typeof d === 'string') return d;
  if (d !== undefined) return JSON.stringify(d).slice(0, 500);
  return JSON.stringify(body ?? null).slice(0, 500);
}

export class Transport {
  readonly baseUrl: string;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  readonly futureTimeoutMs: number;
  /** The last call found nothing listening, after every attempt (cleared by any answer). */
  unreachable = false;

  constructor(private readonly o: TransportOptions) {
    let u: URL;
    try {
      u = new URL(o.baseUrl);
    } catch {
      throw new CodError('bad_input', `not a URL: '${o.baseUrl}'`, 'backend');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new CodError('bad_input', `backend URL must be http(s), got '${o.baseUrl}'`, 'backend');
    this.baseUrl = `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}`;
    this.attempts = o.attempts ?? 6;
    this.timeoutMs = o.requestTimeoutMs ?? 60_000;
    this.futureTimeoutMs = o.futureTimeoutMs ?? 3_600_000;
  }

  /** One call; resolves with any HTTP answer that is not retried away, rejects with a CodError naming the server. */
  async call(
    method: 'GET' | 'POST' | 'DELETE',
    endpoint: string,
    body: unknown,
    what: string,
    idempotent: boolean,
  ): Promise<Reply> {
    const url = `${this.baseUrl}/api/v1/${endpoint}`;
    let lastProblem = '';
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(this.o.apiKey ? { 'x-api-key': this.o.apiKey } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        const code = netCode(e);
        const refused = code === 'ECONNREFUSED';
        lastProblem =
          code === 'TIMEOUT'
            ? `no answer within ${this.timeoutMs / 1000} s`
            : refused
              ? 'connection refused (ECONNREFUSED)'
              : `the connection failed (${code}: ${(e as Error).message})`;
        if ((refused || idempotent) && attempt < this.attempts) {
          await this.backoff(attempt, what, lastProblem);
          continue;
        }
        this.unreachable = refused;
        throw new CodError(
          'io',
          refused
            ? `backend ${this.baseUrl} is unreachable during ${what}: ${lastProblem}, ${attempt} attempt(s); is the server running?`
            : `backend ${this.baseUrl} disappeared during ${what}: ${lastProblem}${attempt > 1 ? `, ${attempt} attempts` : ''}`,
        );
      }
      this.unreachable = false;
      const text = await res.text().catch(() => '');
      let parsed: unknown = text;
      try {
        parsed = text.length > 0 ? JSON.parse(text) : null;
      } catch {
        // a proxy's HTML page, say: keep the text for the message
      }
      if ((res.status === 429 || (res.status >= 500 && idempotent)) && attempt < this.attempts) {
        lastProblem = `HTTP ${res.status}: ${detailOf(parsed)}`;
        await this.backoff(attempt, what, lastProblem);
        continue;
      }
      if (res.status === 401 || res.status === 403)
        throw new CodError(
          'bad_config',
          `backend ${this.baseUrl} refused the API key (HTTP ${res.status}: ${detailOf(parsed)}); pass --api-key or set $TINKER_API_KEY`,
        );
      return { status: res.status, body: parsed };
    }
  }

  /**
   * A GET whose body is not JSON (a checkpoint archive): the raw response, redirects not followed. `url` is
   * absolute or under /api/v1; the API key goes only to this server, never to another host a redirect names (a
   * storage service's signed URL). A refused connection is retried; 401/403 are the key's fault.
   */
  async fetchRaw(url: string, what: string, timeoutMs: number): Promise<Response> {
    const target = new URL(url, `${this.baseUrl}/api/v1/`);
    const ours = target.origin === new URL(this.baseUrl).origin;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(target, {
          headers: ours && this.o.apiKey ? { 'x-api-key': this.o.apiKey } : {},
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (res.status === 401 || res.status === 403)
          throw new CodError(
            'bad_config',
            `backend ${this.baseUrl} refused the API key (HTTP ${res.status} during ${what}); pass --api-key or set $TINKER_API_KEY`,
          );
        return res;
      } catch (e) {
        if (e instanceof CodError) throw e;
        const code = netCode(e);
        const problem =
          code === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : `the connection failed (${code})`;
        if (attempt < this.attempts) {
          await this.backoff(attempt, what, problem);
          continue;
        }
        throw new CodError(
          'io',
          `backend ${this.baseUrl} is unreachable during ${what}: ${problem}, ${attempt} attempt(s)`,
        );
      }
    }
  }

  private async backoff(attempt: number, what: string, problem: string): Promise<void> {
    const ms = Math.min(4000, 250 * 2 ** (attempt - 1));
    this.o.onRetry?.(`backend ${this.baseUrl}: ${what}: ${problem}; retrying in ${ms} ms`);
    await sleep(ms);
  }

  /** A call that must answer 200; any other status is the server refusing it. */
  async ok(method: 'GET' | 'POST', endpoint: string, body: unknown, what: string, idempotent: boolean) {
    const r = await this.call(method, endpoint, body, what, idempotent);
    if (r.status !== 200)
      throw new CodError(
        r.status === 404 ? 'not_found' : r.status >= 500 ? 'internal' : 'bad_input',
        `backend ${this.baseUrl} refused ${what}: HTTP ${r.status}: ${detailOf(r.body)}`,
      );
    return r.body;
  }

  /** Polls retrieve_future until the request finishes; the result body, or a CodError for a failed request. */
  async result(requestId: string, what: string): Promise<unknown> {
    const t0 = Date.now();
    let idle = 0;
    this.o.onFuture?.(what, requestId);
    for (;;) {
      if (Date.now() - t0 > this.futureTimeoutMs)
        throw new CodError(
          'io',
          `backend ${this.baseUrl} did not finish ${what} (request ${requestId}) within ${this.futureTimeoutMs / 1000} s`,
        );
      const t = Date.now();
      const r = await this.call(
        'POST',
        'retrieve_future',
        requestBodies.retrieveFuture(requestId),
        `${what} (request ${requestId})`,
        true,
      );
      const body = r.body as Record<string, unknown> | null;
      const pending = r.status === 408 || (r.status === 200 && body?.type === 'try_again');
      if (pending) {
        // A server that holds the poll open needs no pause; one that answers at once gets a growing one.
        if (Date.now() - t < 1000) await sleep(Math.min(2000, 50 * 2 ** idle++));
        else idle = 0;
        continue;
      }
      if (r.status === 200 && body && typeof body.error === 'string')
        throw new CodError(
          body.category === 'user' ? 'bad_input' : 'internal',
          `backend ${this.baseUrl} failed ${what}: ${body.error}`,
        );
      if (r.status === 404)
        throw new CodError(
          'io',
          `backend ${this.baseUrl} no longer knows request ${requestId} of ${what} (did it restart?)`,
        );
      if (r.status !== 200)
        throw new CodError(
          r.status >= 500 ? 'internal' : 'bad_input',
          `backend ${this.baseUrl} failed ${what}: HTTP ${r.status}: ${detailOf(r.body)}`,
        );
      return r.body;
    }
  }
}
