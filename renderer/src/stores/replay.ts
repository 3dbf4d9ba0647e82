/**
 * Replay: one lifecycle as a sequence of frames (every model call in pack order: the solve turns of position 0,
 * its update, position 1, …). The cursor moves by frame, by position or by lifecycle; the keyboard drives it. Run,
 * step, lifecycle and call are kept in the address (#/replay?run=…&step=…&lc=…&call=…): a link opens that call.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { api } from '../api/index.ts';
import type { LifecycleRow, LifecycleView, SampleView } from '../../../main/api/types.ts';
import { filterLifecycles, NO_LIFECYCLE_QUERY, type LifecycleQuery } from '../lib/lifecycle-filter.ts';
import type { ColourBy } from '../lib/token-colour.ts';
import { useAppStore } from './app.ts';

export type { ColourBy };

export const useReplayStore = defineStore('replay', () => {
  const app = useAppStore();
  const runId = ref<string | null>(null);
  const steps = ref<number[]>([]);
  const step = ref<number | null>(null);
  const lifecycles = ref<LifecycleRow[]>([]);
  const current = ref<LifecycleView | null>(null);
  const frame = ref(0);
  const colourBy = ref<ColourBy>('logprob');
  const loading = ref(false);
  const query = ref<LifecycleQuery>({ ...NO_LIFECYCLE_QUERY });

  const frames = computed<SampleView[]>(() => current.value?.samples ?? []);
  const sample = computed<SampleView | null>(() => frames.value[frame.value] ?? null);
  /** The lifecycles the search and filters leave (j/k walk these). */
  const shownLifecycles = computed(() => filterLifecycles(lifecycles.value, query.value));
  const lifecycleIndex = computed(() => shownLifecycles.value.findIndex((l) => l.id === current.value?.id));

  /** Keep the place in the address while Replay is shown (a link or a reload opens the same call). */
  watch([runId, step, () => current.value?.id, frame], () => {
    if (app.view !== 'replay' || !runId.value) return;
    app.setParams({ run: runId.value, step: step.value, lc: current.value?.id ?? null, call: frame.value + 1 });
  });

  async function openRun(id: string, atStep?: number, at?: { lc?: number; call?: number }): Promise<void> {
    runId.value = id;
    try {
      const d = await api().call('runs.get', { runId: id });
      steps.value = d.lifecycleSteps;
      const target =
        atStep === undefined
          ? (steps.value[steps.value.length - 1] ?? null)
          : // the nearest step at or before the one asked for that has lifecycles
            ([...steps.value].reverse().find((s) => s <= atStep) ?? steps.value[0] ?? null);
      await openStep(target, at);
    } catch (e) {
      app.fail(`Could not open run ${id}`, e);
    }
  }

  async function openStep(s: number | null, at?: { lc?: number; call?: number }): Promise<void> {
    step.value = s;
    lifecycles.value = [];
    current.value = null;
    if (s === null || !runId.value) return;
    try {
      lifecycles.value = await api().call('lifecycles.list', { runId: runId.value, step: s, split: 'train' });
      const pick = lifecycles.value.find((l) => l.id === at?.lc) ?? lifecycles.value[0];
      if (pick) await openLifecycle(pick.id, at?.call !== undefined ? at.call - 1 : 0);
    } catch (e) {
      app.fail(`Could not list the lifecycles of step ${s}`, e);
    }
  }

  /** Open the place a link names (run, step, lifecycle id, call number from 1). */
  async function openLink(p: Readonly<Record<string, string>>): Promise<void> {
    if (!p.run) return;
    const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
    const lc = num(p.lc);
    const call = num(p.call);
    await openRun(p.run, num(p.step), { ...(lc !== undefined ? { lc } : {}), ...(call !== undefined ? { call } : {}) });
  }

  async function openLifecycle(id: number, atFrame = 0): Promise<void> {
    loading.value = true;
    try {
      current.value = await api().call('lifecycles.get', { id });
      frame.value = Math.max(0, Math.min(current.value.samples.length - 1, atFrame));
    } catch (e) {
      app.fail(`Could not read lifecycle ${id}`, e);
    } finally {
      loading.value = false;
    }
  }

  function move(delta: number): void {
    const n = frames.value.length;
    if (n === 0) return;
    frame.value = Math.max(0, Math.min(n - 1, frame.value + delta));
  }

  /** First frame of the next (+1) or previous (-1) pack position. */
  function movePosition(delta: 1 | -1): void {
    const f = frames.value;
    const here = f[frame.value]?.position ?? 0;
    const target = here + delta;
    const i =
      delta > 0 ? f.findIndex((s) => s.position >= target) : f.findIndex((s) => s.position === Math.max(0, target));
    if (i >= 0) frame.value = i;
  }

  async function moveLifecycle(delta: 1 | -1): Promise<void> {
    const i = lifecycleIndex.value + delta;
    const next = shownLifecycles.value[i < 0 && lifecycleIndex.value < 0 ? 0 : i];
    if (next) await openLifecycle(next.id);
  }

  return {
    runId,
    steps,
    step,
    lifecycles,
    shownLifecycles,
    query,
    current,
    frame,
    frames,
    sample,
    colourBy,
    loading,
    lifecycleIndex,
    openRun,
    openStep,
    openLink,
    openLifecycle,
    move,
    movePosition,
    moveLifecycle,
  };
});
