/**
 * Blocked-loop guard for every vitest worker (a setupFile). vitest's worker talks to the runner over an RPC whose
 * calls time out after 60 s; a test that holds its worker's event loop that long (a synchronous child process, an
 * onnxruntime run on the test's own thread, a long synchronous loop) fails the whole run with "Timeout calling
 * onTaskUpdate" although every test passed — on a slow or loaded machine first. This guard measures the longest
 * stall of the loop during each test and fails the test that caused it, naming it, long before the RPC limit.
 *
 * COD_LOOP_REPORT=FILE appends one JSON line per test ({file, test, maxStallMs}) for the suite-cost report
 * (scripts/test-cost.ts).
 */
import { appendFileSync } from 'node:fs';
import { setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';

/** Half of vitest's 60 s RPC timeout: the worst test here stalls 14 s with both cores busy (npm run test:cost). */
export const LOOP_STALL_LIMIT_MS = 30_000;

// A heartbeat from node:timers (not the globals a test may fake): the longest gap between beats is the longest
// time the loop could not run a timer.
const BEAT_MS = 20;
let lastBeat = performance.now();
let maxGapMs = 0;
/** Over the whole file, hooks included (a beforeAll that blocks is caught here). */
let fileMaxGapMs = 0;
setInterval(() => {
  const now = performance.now();
  maxGapMs = Math.max(maxGapMs, now - lastBeat);
  fileMaxGapMs = Math.max(fileMaxGapMs, maxGapMs);
  lastBeat = now;
}, BEAT_MS).unref();

beforeEach(() => {
  lastBeat = performance.now();
  maxGapMs = 0;
});

const advice =
  "vitest's worker RPC fails the run at 60 s): await child processes and run onnxruntime in workers instead";

afterEach(async (ctx) => {
  // A stall is seen when the next beat fires: let the loop turn once past the timers phase.
  await sleep(2 * BEAT_MS);
  const maxStallMs = Math.max(0, maxGapMs - BEAT_MS);
  const report = process.env.COD_LOOP_REPORT;
  if (report) {
    const file = ctx.task.file?.name ?? '';
    appendFileSync(report, JSON.stringify({ file, test: ctx.task.name, maxStallMs: Math.round(maxStallMs) }) + '\n');
  }
  expect(
    maxStallMs,
    `this test held its worker's event loop for ${(maxStallMs / 1000).toFixed(1)} s (limit ${LOOP_STALL_LIMIT_MS / 1000} s; ${advice}`,
  ).toBeLessThan(LOOP_STALL_LIMIT_MS);
});

afterAll(async () => {
  await sleep(2 * BEAT_MS);
  const stallMs = Math.max(0, fileMaxGapMs - BEAT_MS);
  expect(
    stallMs,
    `this file's hooks held the worker's event loop for ${(stallMs / 1000).toFixed(1)} s (limit ${LOOP_STALL_LIMIT_MS / 1000} s; ${advice}`,
  ).toBeLessThan(LOOP_STALL_LIMIT_MS);
});
