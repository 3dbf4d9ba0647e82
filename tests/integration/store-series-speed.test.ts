/**
 * Reads a 100k-point series the way the UI charts do and reports how long it takes (printed, not asserted: timings
 * on a shared 2-core machine are not a pass/fail criterion). It asserts the points are right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunStore } from '../../main/store/index.ts';
import { tempStore } from '../support/store.ts';

const POINTS = 100_000;
let store: RunStore;
let runId: string;
const SINGLE = 500;
let singleMs = 0;
let batchMs = 0;

beforeAll(() => {
  ({ store, runId } = tempStore({ lease: true }));
  const timing = { rolloutS: 1, trainS: 1, idleS: 0 };
  const data = (s: number) => ({ timing, policyVersion: s, metrics: { loss: s * 0.5, reward: s % 7, kl: -s } });
  // The first 500 steps one durable commit each, as the trainer writes them; the rest in batches of 10k steps.
  const t0 = performance.now();
  for (let s = 0; s < SINGLE; s++) store.commitStep(runId, s, data(s));
  singleMs = performance.now() - t0;
  const t1 = performance.now();
  for (let from = SINGLE; from < POINTS; from += 10_000) {
    const batch = [];
    for (let s = from; s < Math.min(POINTS, from + 10_000); s++) batch.push({ step: s, data: data(s) });
    store.commitSteps(runId, batch);
  }
  batchMs = performance.now() - t1;
});
afterAll(() => store.close());

describe('series read speed', () => {
  it('reads 100k points of one series into typed arrays', () => {
    const times: number[] = [];
    let series = store.getSeries(runId, ['loss']).loss;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      series = store.getSeries(runId, ['loss']).loss;
      times.push(performance.now() - t0);
    }
    expect(series.values.length).toBe(POINTS);
    expect(series.values[POINTS - 1]).toBe((POINTS - 1) * 0.5);
    expect(series.steps[12_345]).toBe(12_345);
    const t0 = performance.now();
    const three = store.getSeries(runId, ['loss', 'reward', 'kl']);
    const threeMs = performance.now() - t0;
    expect(three.kl.values[POINTS - 1]).toBe(-(POINTS - 1));
    const t1 = performance.now();
    const tail = store.getSeries(runId, ['loss'], { fromStep: POINTS - 1000 }).loss;
    const tailMs = performance.now() - t1;
    expect(tail.steps.length).toBe(1000);
    times.sort((a, b) => a - b);
    console.log(
      `[store bench] commitStep (3 metrics): ${((singleMs * 1000) / SINGLE).toFixed(0)} µs/step; commitSteps ` +
        `batches of 10k: ${((batchMs * 1000) / (POINTS - SINGLE)).toFixed(0)} µs/step; getSeries 1 × 100k points: median ` +
        `${times[2].toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[4].toFixed(1)}); 3 × 100k: ` +
        `${threeMs.toFixed(1)} ms; last 1000 points (fromStep): ${tailMs.toFixed(2)} ms`,
    );
  });
});
