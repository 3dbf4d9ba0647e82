/**
 * App-wide state: which view is open (kept in the URL hash, so reload and back/forward work), the server's info,
 * the jobs running in workers, and the messages shown to the user. Store events fan out from here to the views.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/index.ts';
import type { ApiEvent, AppInfo, JobView } from '../../../main/api/types.ts';
import { Emitter } from '../../../main/base/emitter.ts';
import { errorText } from '../lib/format.ts';

export type ViewName = 'curricula' | 'runs' | 'replay' | 'compare';
export const VIEWS: readonly { id: ViewName; title: string; key: string }[] = [
  { id: 'curricula', title: 'Curricula', key: '1' },
  { id: 'runs', title: 'Runs', key: '2' },
  { id: 'replay', title: 'Replay', key: '3' },
  { id: 'compare', title: 'Compare', key: '4' },
];

export interface Notice {
  readonly id: number;
  readonly kind: 'error' | 'info';
  readonly text: string;
}

function viewFromHash(hash: string): ViewName {
  const v = hash.replace(/^#\/?/, '').split('?')[0];
  return (VIEWS.find((x) => x.id === v)?.id ?? 'runs') as ViewName;
}

export const useAppStore = defineStore('app', () => {
  const view = ref<ViewName>(viewFromHash(location.hash));
  const info = ref<AppInfo | null>(null);
  const jobs = ref<JobView[]>([]);
  const notices = ref<Notice[]>([]);
  const connected = ref(true);
  let noticeId = 1;
  const events = new Emitter<ApiEvent>();

  function go(v: ViewName): void {
    view.value = v;
    if (viewFromHash(location.hash) !== v) location.hash = `#/${v}`;
  }

  function notify(kind: Notice['kind'], text: string, ttlMs = kind === 'error' ? 0 : 4000): void {
    const n = { id: noticeId++, kind, text };
    notices.value = [...notices.value, n];
    if (ttlMs > 0) setTimeout(() => dismiss(n.id), ttlMs);
  }

  function fail(what: string, e: unknown): void {
    notify('error', `${what}: ${errorText(e)}`);
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  function upsertJob(job: JobView): void {
    const rest = jobs.value.filter((j) => j.id !== job.id);
    jobs.value = [job, ...rest].sort((a, b) => b.startedAt - a.startedAt);
  }

  function onEvent(fn: (e: ApiEvent) => void): () => void {
    return events.on(fn);
  }

  async function start(): Promise<void> {
    window.addEventListener('hashchange', () => (view.value = viewFromHash(location.hash)));
    api().onEvent((e) => {
      if (e.type === 'job') upsertJob(e.job);
      events.emit(e);
    });
    try {
      const [i, j] = await Promise.all([api().call('app.info', {}), api().call('jobs.list', {})]);
      info.value = i;
      jobs.value = j;
    } catch (e) {
      fail('Could not reach the workbench', e);
    }
  }

  return { view, info, jobs, notices, connected, go, notify, fail, dismiss, onEvent, start, upsertJob };
});
