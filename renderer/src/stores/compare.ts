/**
 * Compare: two models (built-in, a run's starting model, a run's checkpoint, any directory), one eval suite, one
 * evaluation job on the server (phase, progress, time left, cancel), the history of past comparisons, and the
 * stored eval lifecycles of two checkpoints paired by pack for the side-by-side view. The job and the comparison
 * shown are in the address (#/compare?job=… or ?id=…), so a reload finds them again: the server owns the job.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/index.ts';
import type { CompareResult } from '../../../main/api/jobs.ts';
import type {
  CompareSpec,
  ComparisonView,
  JobView,
  LifecycleRow,
  LifecycleView,
  ModelRef,
} from '../../../main/api/types.ts';
import { useAppStore } from './app.ts';

export type CheckpointSide = { runId: string; step: number };

export const useCompareStore = defineStore('compare', () => {
  const app = useAppStore();
  const history = ref<ComparisonView[]>([]);
  const pairs = ref<{ packId: string; a: LifecycleRow | null; b: LifecycleRow | null }[]>([]);
  const shown = ref<{ a: LifecycleView | null; b: LifecycleView | null } | null>(null);
  const suite = ref('');

  /** The job the page follows (from the address), live from the app's job list. */
  const job = computed<JobView | null>(() => {
    const id = app.route.params.job;
    return id ? (app.jobs.find((j) => j.id === id) ?? null) : null;
  });
  /** The comparison shown: the followed job's, else a history entry (from the address). */
  const entry = computed<ComparisonView | null>(() => {
    const id = app.route.params.job ?? app.route.params.id;
    return id ? (history.value.find((h) => h.id === id) ?? null) : null;
  });
  const result = computed<CompareResult | null>(() => job.value?.result ?? entry.value?.result ?? null);
  const spec = computed<CompareSpec | null>(() => job.value?.compare ?? entry.value?.spec ?? null);

  async function start(s: CompareSpec): Promise<void> {
    try {
      const j = await api().call('compare.start', s);
      app.upsertJob(j);
      app.setParams({ job: j.id, id: null });
    } catch (e) {
      app.fail('Could not start the comparison', e);
    }
  }

  async function loadHistory(): Promise<void> {
    try {
      history.value = await api().call('compare.history', { limit: 200 });
    } catch (e) {
      app.fail('Could not read the comparison history', e);
    }
  }

  async function remove(id: string): Promise<void> {
    try {
      await api().call('compare.delete', { id });
      history.value = history.value.filter((h) => h.id !== id);
      if (app.route.params.id === id || app.route.params.job === id) app.setParams({ id: null, job: null });
    } catch (e) {
      app.fail('Could not delete the comparison', e);
    }
  }

  function open(id: string): void {
    app.setParams({ id, job: null });
  }

  /** The stored eval lifecycles of two checkpoints of a run, paired by pack (only checkpoints have them). */
  async function loadPairs(a: ModelRef | null, b: ModelRef | null, suiteName: string): Promise<void> {
    pairs.value = [];
    shown.value = null;
    suite.value = suiteName;
    const cp = (m: ModelRef | null): CheckpointSide | null =>
      m && m.kind === 'checkpoint' ? { runId: m.runId, step: m.step } : null;
    const ca = cp(a);
    const cb = cp(b);
    if (!ca || !cb || !suiteName) return;
    try {
      const list = (r: CheckpointSide) =>
        api().call('lifecycles.list', { runId: r.runId, split: 'eval', suite: suiteName, checkpoint: r.step });
      const [la, lb] = await Promise.all([list(ca), list(cb)]);
      const byPack = new Map<string, { packId: string; a: LifecycleRow | null; b: LifecycleRow | null }>();
      for (const l of la) if (!byPack.has(l.packId)) byPack.set(l.packId, { packId: l.packId, a: l, b: null });
      for (const l of lb) {
        const p = byPack.get(l.packId);
        if (p && !p.b) p.b = l;
        else if (!p) byPack.set(l.packId, { packId: l.packId, a: null, b: l });
      }
      pairs.value = [...byPack.values()].sort((x, y) => x.packId.localeCompare(y.packId, undefined, { numeric: true }));
    } catch (e) {
      app.fail('Could not list the stored eval lifecycles', e);
    }
  }

  async function showPair(packId: string): Promise<void> {
    const p = pairs.value.find((x) => x.packId === packId);
    if (!p) return;
    try {
      const [la, lb] = await Promise.all([
        p.a ? api().call('lifecycles.get', { id: p.a.id }) : Promise.resolve(null),
        p.b ? api().call('lifecycles.get', { id: p.b.id }) : Promise.resolve(null),
      ]);
      shown.value = { a: la, b: lb };
    } catch (e) {
      app.fail('Could not read the lifecycles', e);
    }
  }

  return {
    history,
    pairs,
    shown,
    suite,
    job,
    entry,
    result,
    spec,
    start,
    loadHistory,
    remove,
    open,
    loadPairs,
    showPair,
  };
});
