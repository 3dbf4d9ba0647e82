/**
 * Compare: two checkpoints, one suite, one evaluation job (in a worker, progress as it goes), and the stored eval
 * lifecycles of both checkpoints paired by pack for the side-by-side view.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/index.ts';
import type { CheckpointRef, JobView, LifecycleRow, LifecycleView } from '../../../main/api/types.ts';
import { useAppStore } from './app.ts';

export const useCompareStore = defineStore('compare', () => {
  const app = useAppStore();
  const a = ref<CheckpointRef | null>(null);
  const b = ref<CheckpointRef | null>(null);
  const suite = ref<string>('');
  const jobId = ref<string | null>(null);
  const pairs = ref<{ packId: string; a: LifecycleRow | null; b: LifecycleRow | null }[]>([]);
  const shown = ref<{ a: LifecycleView | null; b: LifecycleView | null } | null>(null);

  const job = computed<JobView | null>(() => app.jobs.find((j) => j.id === jobId.value) ?? null);

  async function start(): Promise<void> {
    if (!a.value || !b.value || !suite.value) return;
    try {
      const j = await api().call('compare.start', { a: a.value, b: b.value, suite: suite.value });
      app.upsertJob(j);
      jobId.value = j.id;
    } catch (e) {
      app.fail('Could not start the comparison', e);
    }
  }

  async function loadPairs(): Promise<void> {
    pairs.value = [];
    shown.value = null;
    if (!a.value || !b.value || !suite.value) return;
    try {
      const list = (ref: CheckpointRef) =>
        api().call('lifecycles.list', { runId: ref.runId, split: 'eval', suite: suite.value, checkpoint: ref.step });
      const [la, lb] = await Promise.all([list(a.value), list(b.value)]);
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

  return { a, b, suite, jobId, job, pairs, shown, start, loadPairs, showPair };
});
