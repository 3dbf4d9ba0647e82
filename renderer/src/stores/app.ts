/**
 * App-wide state: where the page is (view and its parameters, kept in the URL hash so reload, back/forward and
 * links work), the link to the server (one page-level state: connecting, connected, disconnected, refused), the
 * server's info, the jobs running in workers, and messages to the user. Messages belong to the view that raised
 * them and expire; store events fan out from here to the views.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, ApiError } from '../api/index.ts';
import { takeToken, WsClient } from '../api/ws-client.ts';
import type { ApiEvent, AppInfo, JobView } from '../../../main/api/types.ts';
import { checkSession, type ConnectionState } from '../lib/connection.ts';
import { Emitter } from '../../../main/base/emitter.ts';
import { errorText } from '../lib/format.ts';
import { parseRoute, routeHash, VIEWS, type Route, type ViewName } from '../lib/route.ts';

export { VIEWS, type ViewName };

export interface Notice {
  readonly id: number;
  readonly kind: 'error' | 'info';
  readonly text: string;
  /** The view that raised it (shown only there); null: the whole app's. */
  readonly view: ViewName | null;
}

/** How long a message stays (ms); it can be dismissed before. Errors stay longer: they say what to do. */
export const NOTICE_TTL = { error: 12_000, info: 4_000 } as const;

export const useAppStore = defineStore('app', () => {
  const route = ref<Route>(parseRoute(location.hash));
  const view = computed<ViewName>(() => route.value.view);
  const info = ref<AppInfo | null>(null);
  const jobs = ref<JobView[]>([]);
  /** When each job view arrived (its etaMs counts from then). */
  const jobSeenAt = ref<Record<string, number>>({});
  const notices = ref<Notice[]>([]);
  const connection = ref<ConnectionState>('connecting');
  const connected = computed(() => connection.value === 'connected');
  const lostAt = ref<number | null>(null);
  let noticeId = 1;
  const events = new Emitter<ApiEvent>();
  const reconnected = new Emitter<void>();

  /** Go to a view (with its parameters); the hash follows, so the place survives a reload. */
  function go(v: ViewName, params: Record<string, string | number | null | undefined> = {}): void {
    const hash = routeHash({ view: v, params });
    if (location.hash !== hash) location.hash = hash;
    route.value = parseRoute(hash);
  }

  /** Update the current view's parameters in place (no new history entry: a walk through calls is not history). */
  function setParams(params: Record<string, string | number | null | undefined>): void {
    const hash = routeHash({ view: route.value.view, params: { ...route.value.params, ...params } });
    if (location.hash !== hash) history.replaceState(null, '', location.pathname + location.search + hash);
    route.value = parseRoute(hash);
  }

  function notify(kind: Notice['kind'], text: string, opts: { view?: ViewName | null; ttlMs?: number } = {}): void {
    const n: Notice = { id: noticeId++, kind, text, view: opts.view === undefined ? view.value : opts.view };
    // The same message twice is shown once (a retried call failing again must not stack up).
    notices.value = [...notices.value.filter((x) => !(x.text === text && x.view === n.view)), n];
    setTimeout(() => dismiss(n.id), opts.ttlMs ?? NOTICE_TTL[kind]);
  }

  function fail(what: string, e: unknown): void {
    // While the server is gone the page says so once; each failed call would only repeat it.
    if (!connected.value && e instanceof ApiError && e.code === 'io') return;
    notify('error', `${what}: ${errorText(e)}`);
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  function upsertJob(job: JobView): void {
    const rest = jobs.value.filter((j) => j.id !== job.id);
    jobs.value = [job, ...rest].sort((a, b) => b.startedAt - a.startedAt);
    jobSeenAt.value = { ...jobSeenAt.value, [job.id]: Date.now() };
  }

  /** Ask a job's worker to stop (a trainer finishes its step; an evaluation stops at once). */
  async function cancelJob(id: string): Promise<void> {
    try {
      upsertJob(await api().call('jobs.cancel', { id }));
    } catch (e) {
      fail('Could not stop the job', e);
    }
  }

  function onEvent(fn: (e: ApiEvent) => void): () => void {
    return events.on(fn);
  }

  /** Called after the link comes back: views read again what they show (events were missed meanwhile). */
  function onReconnect(fn: () => void): () => void {
    return reconnected.on(fn);
  }

  async function refreshServer(): Promise<void> {
    const [i, j] = await Promise.all([api().call('app.info', {}), api().call('jobs.list', {})]);
    info.value = i;
    jobs.value = j;
    const now = Date.now();
    jobSeenAt.value = Object.fromEntries(j.map((x) => [x.id, now]));
  }

  /** The socket went down: tell a refused token from a server that is gone (the socket retries by itself). */
  async function lost(token: string | null): Promise<void> {
    const why = await checkSession(token);
    if (connection.value === 'connected') lostAt.value = Date.now();
    connection.value = why === 'refused' ? 'refused' : 'disconnected';
    lostAt.value ??= Date.now();
  }

  async function start(): Promise<void> {
    window.addEventListener('hashchange', () => {
      const r = parseRoute(location.hash);
      if (r.view !== route.value.view) notices.value = notices.value.filter((n) => n.view === null);
      route.value = r;
    });
    let client;
    try {
      client = api();
    } catch {
      connection.value = 'refused'; // no token at all: the link was opened without one
      return;
    }
    if (client instanceof WsClient) {
      const token = takeToken(location, sessionStorage);
      let everUp = false;
      client.onStatus((up) => {
        if (up) {
          const back = everUp;
          everUp = true;
          connection.value = 'connected';
          lostAt.value = null;
          if (back) void refreshServer().then(() => reconnected.emit());
        } else void lost(token);
      });
    } else connection.value = 'connected'; // the Electron bridge: no socket to lose
    client.onEvent((e) => {
      if (e.type === 'job') upsertJob(e.job);
      events.emit(e);
    });
    try {
      await refreshServer();
    } catch (e) {
      fail('Could not reach the workbench', e);
    }
  }

  return {
    route,
    view,
    info,
    jobs,
    jobSeenAt,
    notices,
    connection,
    connected,
    lostAt,
    go,
    setParams,
    notify,
    fail,
    dismiss,
    onEvent,
    onReconnect,
    start,
    upsertJob,
    cancelJob,
  };
});
