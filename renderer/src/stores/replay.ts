/**
 * Replay: one lifecycle as a sequence of frames (every model call in pack order: the solve turns of position 0,
 * its update, position 1, …). The cursor moves by frame, by position or by lifecycle; the keyboard drives it.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../api/index.ts';
import type { LifecycleRow, LifecycleView, SampleView } from '../../../main/api/types.ts';
import { useAppStore } from './app.ts';

export type ColourBy = 'none' | 'logprob' | 'advantage' | 'surprisal';

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

  const frames = computed<SampleView[]>(() => current.value?.samples ?? []);
  const sample = computed<SampleView | null>(() => frames.value[frame.value] ?? null);
  const lifecycleIndex = computed(() => lifecycles.value.findIndex((l) => l.id === current.value?.id));

  async function openRun(id: string, atStep?: number): Promise<void> {
    runId.value = id;
    try {
      const d = await api().call('runs.get', { runId: id });
      steps.value = d.lifecycleSteps;
      const target =
        atStep === undefined
          ? (steps.value[steps.value.length - 1] ?? null)
          : // the nearest step at or before the one asked for that has lifecycles
            ([...steps.value].reverse().find((s) => s <= atStep) ?? steps.value[0] ?? null);
      await openStep(target);
    } catch (e) {
      app.fail(`Could not open run ${id}`, e);
    }
  }

  async function openStep(s: number | null): Promise<void> {
    step.value = s;
    lifecycles.value = [];
    current.value = null;
    if (s === null || !runId.value) return;
    try {
      lifecycles.value = await api().call('lifecycles.list', { runId: runId.value, step: s, split: 'train' });
      if (lifecycles.value[0]) await openLifecycle(lifecycles.value[0].id);
    } catch (e) {
      app.fail(`Could not list the lifecycles of step ${s}`, e);
    }
  }

  async function openLifecycle(id: number): Promise<void> {
    loading.value = true;
    try {
      current.value = await api().call('lifecycles.get', { id });
      frame.value = 0;
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
    const next = lifecycles.value[i];
    if (next) await openLifecycle(next.id);
  }

  return {
    runId,
    steps,
    step,
    lifecycles,
    current,
    frame,
    frames,
    sample,
    colourBy,
    loading,
    lifecycleIndex,
    openRun,
    openStep,
    openLifecycle,
    move,
    movePosition,
    moveLifecycle,
  };
});
