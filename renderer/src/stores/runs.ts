/**
 * Runs and their charts. Series are read from the store once, then extended: on a "metrics" event for a run on
 * screen only the points after the last one held are fetched, so a live run costs a few points per step.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import { api } from '../api/index.ts';
import type { RunDetail, RunSummary, SeriesData } from '../../../main/api/types.ts';
import { NO_QUERY, type RunQuery } from '../lib/run-filter.ts';
import { useAppStore } from './app.ts';

/** step; wall clock; time since the run's first point (runs started at different times line up). */
export type XAxis = 'step' | 'wall' | 'relative';

const PANEL_PREFS_KEY = 'cod.runs.panels';

function loadPrefs(): { pinned: string[]; hidden: string[] } {
  try {
    const v = JSON.parse(localStorage.getItem(PANEL_PREFS_KEY) ?? '{}') as { pinned?: unknown; hidden?: unknown };
    const strings = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
    return { pinned: strings(v.pinned), hidden: strings(v.hidden) };
  } catch {
    return { pinned: [], hidden: [] };
  }
}

interface HeldSeries {
  steps: number[];
  values: (number | null)[];
  wallTimes: number[];
}

export const useRunsStore = defineStore('runs', () => {
  const app = useAppStore();
  const runs = ref<RunSummary[]>([]);
  /** Runs drawn on the charts (the first is the one whose details show). */
  const selected = ref<string[]>([]);
  const details = ref<Record<string, RunDetail>>({});
  /** runId -> metric -> points. shallowRef: 100k-point arrays must not become reactive proxies. */
  const series = shallowRef<Record<string, Record<string, HeldSeries>>>({});
  const seriesVersion = ref(0);
  const xAxis = ref<XAxis>('step');
  const smoothing = ref(0.6);
  const loading = ref(false);
  const query = ref<RunQuery>({ ...NO_QUERY });
  /** The x range every chart shows (zoom one, the others follow); null: all of it. */
  const zoom = ref<[number, number] | null>(null);
  /** Panels pinned to the top, and panels hidden (by panel id), kept for the next visit. */
  const prefs = loadPrefs();
  const pinned = ref<string[]>(prefs.pinned);
  const hidden = ref<string[]>(prefs.hidden);
  function savePrefs(): void {
    try {
      localStorage.setItem(PANEL_PREFS_KEY, JSON.stringify({ pinned: pinned.value, hidden: hidden.value }));
    } catch {
      // storage disabled: the choice lasts for this page
    }
  }
  function togglePin(id: string): void {
    pinned.value = pinned.value.includes(id) ? pinned.value.filter((x) => x !== id) : [...pinned.value, id];
    savePrefs();
  }
  function setHidden(id: string, hide: boolean): void {
    hidden.value = hide ? [...new Set([...hidden.value, id])] : hidden.value.filter((x) => x !== id);
    savePrefs();
  }

  const primary = computed(() => (selected.value[0] ? details.value[selected.value[0]] : undefined));
  const metricNames = computed(() => {
    const all = new Set<string>();
    for (const id of selected.value) for (const n of details.value[id]?.metricNames ?? []) all.add(n);
    return [...all];
  });

  async function refreshList(): Promise<void> {
    try {
      runs.value = await api().call('runs.list', {});
    } catch (e) {
      app.fail('Could not list runs', e);
    }
  }

  async function loadDetail(runId: string): Promise<RunDetail | undefined> {
    try {
      const d = await api().call('runs.get', { runId });
      details.value = { ...details.value, [runId]: d };
      return d;
    } catch (e) {
      app.fail(`Could not read run ${runId}`, e);
      return undefined;
    }
  }

  function merge(runId: string, got: Record<string, SeriesData>, append: boolean): void {
    const mine = { ...(series.value[runId] ?? {}) };
    for (const [name, s] of Object.entries(got)) {
      const held = mine[name];
      if (append && held) {
        // The fetch asked for steps >= last held: drop what we already have.
        const last = held.steps.length ? held.steps[held.steps.length - 1] : -1;
        for (let i = 0; i < s.steps.length; i++) {
          if (s.steps[i] <= last) continue;
          held.steps.push(s.steps[i]);
          held.values.push(s.values[i]);
          held.wallTimes.push(s.wallTimes[i]);
        }
      } else mine[name] = { steps: s.steps.slice(), values: s.values.slice(), wallTimes: s.wallTimes.slice() };
    }
    series.value = { ...series.value, [runId]: mine };
    triggerRef(series);
    seriesVersion.value++;
  }

  async function loadSeries(runId: string): Promise<void> {
    const names = details.value[runId]?.metricNames ?? [];
    if (names.length === 0) return;
    for (let i = 0; i < names.length; i += 64) {
      const got = await api().call('runs.series', { runId, names: names.slice(i, i + 64) });
      merge(runId, got, false);
    }
  }

  async function select(runId: string, additive = false): Promise<void> {
    if (additive) {
      selected.value = selected.value.includes(runId)
        ? selected.value.filter((r) => r !== runId)
        : [...selected.value, runId];
    } else selected.value = [runId];
    if (!selected.value.includes(runId)) return;
    loading.value = true;
    try {
      if (await loadDetail(runId)) await loadSeries(runId);
    } catch (e) {
      app.fail(`Could not read the metrics of run ${runId}`, e);
    } finally {
      loading.value = false;
    }
  }

  /** New metric rows for a run on screen: fetch only the tail. */
  async function extend(runId: string): Promise<void> {
    const d = await loadDetail(runId);
    if (!d) return;
    const held = series.value[runId] ?? {};
    const names = d.metricNames;
    let from = Infinity;
    for (const n of names) {
      const s = held[n];
      from = Math.min(from, s && s.steps.length ? s.steps[s.steps.length - 1] : 0);
    }
    if (!Number.isFinite(from)) from = 0;
    for (let i = 0; i < names.length; i += 64) {
      const got = await api().call('runs.series', { runId, names: names.slice(i, i + 64), fromStep: from });
      merge(runId, got, true);
    }
  }

  const pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Coalesce bursts of events (several tables per step) into one read per run. */
  function schedule(runId: string): void {
    pending.add(runId);
    if (timer) return;
    timer = setTimeout(async () => {
      timer = null;
      const ids = [...pending];
      pending.clear();
      await refreshList();
      for (const id of ids) if (selected.value.includes(id)) await extend(id).catch((e) => app.fail('Live update', e));
    }, 150);
  }

  async function launch(
    curriculum: string,
    source: 'builtin' | 'user',
    steps?: number,
    name?: string,
  ): Promise<string | null> {
    try {
      const r = await api().call('runs.launch', {
        curriculum,
        source,
        ...(steps ? { steps } : {}),
        ...(name ? { name } : {}),
      });
      app.notify('info', `Run ${r.runId} started`);
      await refreshList();
      await select(r.runId);
      return r.runId;
    } catch (e) {
      app.fail('Could not launch the run', e);
      return null;
    }
  }

  async function stop(runId: string): Promise<void> {
    try {
      await api().call('runs.stop', { runId });
      app.notify(
        'info',
        `Stopping run ${runId}: a training step in progress finishes first, an evaluation stops at once`,
      );
    } catch (e) {
      app.fail(`Could not stop run ${runId}`, e);
    }
  }

  async function resume(runId: string, steps?: number): Promise<void> {
    try {
      await api().call('runs.resume', { runId, ...(steps !== undefined ? { steps } : {}) });
      app.notify('info', `Run ${runId} resumed`);
      await refreshList();
      await loadDetail(runId);
    } catch (e) {
      app.fail(`Could not resume run ${runId}`, e);
    }
  }

  /** Rename, tag or annotate a run; the list and details show the stored result. */
  async function update(runId: string, patch: { name?: string; tags?: string[]; notes?: string }): Promise<boolean> {
    try {
      const r = await api().call('runs.update', { runId, ...patch });
      runs.value = runs.value.map((x) => (x.id === r.id ? r : x));
      const d = details.value[runId];
      if (d) details.value = { ...details.value, [runId]: { ...d, ...r } };
      return true;
    } catch (e) {
      app.fail(`Could not save run ${runId}`, e);
      return false;
    }
  }

  return {
    runs,
    selected,
    details,
    series,
    seriesVersion,
    xAxis,
    smoothing,
    loading,
    query,
    zoom,
    pinned,
    hidden,
    togglePin,
    setHidden,
    update,
    loadDetail,
    primary,
    metricNames,
    refreshList,
    select,
    extend,
    schedule,
    launch,
    stop,
    resume,
  };
});
