/**
 * A run with evaluations at its checkpoints, killed with SIGKILL again and again and resumed each time, ends with
 * every evaluation stored once and the metrics of an uninterrupted run (issue 19: a kill between a checkpoint and the
 * end of its evaluation used to lose that evaluation for good). The first kill lands inside the evaluation of the
 * step-2 checkpoint; the others after a seeded-random number of trainer events. COD_FAULT_KILLS sets how many kills
 * (default 1, the defect's case, in `npm test`; `npm run test:faults` runs 10: 1128 s on a loaded 2-core machine).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, type RunStore } from '../../main/store/index.ts';
import { cod } from '../support/cod.ts';
import { tempDir } from '../support/temp.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const KILLS = Number(process.env.COD_FAULT_KILLS ?? 1);

const CURRICULUM = `name: eval-resume
rendering: compact
train:
  domains: [{ id: frozenlake, preset: train }]
  packSize: 2
  groupSize: 2
  packsPerStep: 1
lifecycle: { solveMaxNewTokens: 16, updateMaxNewTokens: 32 }
evals:
  - name: held
    kind: in_domain
    domain: frozenlake
    packSize: 2
    packs: 2
    seeds: [1]
  - name: loop
    kind: ralph
    domain: frozenlake
    packSize: 2
    packs: 1
    seeds: [2]
training:
  lr: 1.0e-3
  steps: 6
  saveEvery: 2
  evalEvery: 2
  seed: 5
  aheadSteps: 0
`;

/** mulberry32: the kill points are random but the same on every run of the test. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ended {
  readonly killed: boolean;
  readonly runId: string;
  readonly code: number | null;
}

/** `cod train ARGS --events`, killed with SIGKILL when `killAt` says so for an event (never, if it never does). */
function trainUntil(
  args: string[],
  killAt: (e: { event: string; phase?: string; step?: number }, n: number) => boolean,
) {
  return new Promise<Ended>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'cod.mjs'), 'train', ...args, '--events'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let runId = '';
    let buf = '';
    let n = 0;
    let killed = false;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{') || killed) continue;
        const e = JSON.parse(line) as { event: string; runId?: string; phase?: string; step?: number };
        if (e.event === 'run') runId = e.runId!;
        if (killAt(e, ++n)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!killed && code !== 0) reject(new Error(`cod train exited ${code} ${signal}: ${stderr}`));
      else resolve({ killed, runId, code });
    });
  });
}

/** Every eval lifecycle key with its suite and checkpoint, sorted: each must appear once. */
function evalKeys(store: RunStore, runId: string): string[] {
  return store
    .listLifecycles(runId, { split: 'eval', limit: 10_000 })
    .map((l) => `${l.suite}@${l.checkpointStep}:${l.key}`)
    .sort();
}

describe('evaluations at checkpoints survive kills', () => {
  it(`${KILLS} kills, each resumed: every evaluation once, metrics as uninterrupted`, async () => {
    const dir = tempDir('eval-resume');
    const curriculum = join(dir, 'c.yaml');
    writeFileSync(curriculum, CURRICULUM);
    const whole = await cod(['train', curriculum, '--store', join(dir, 'a.db'), '--out', join(dir, 'a'), '--events']);
    expect(whole.code).toBe(0);
    const wholeId = JSON.parse(whole.stdout.split('\n')[0]).runId as string;

    const store = join(dir, 'b.db');
    const random = seeded(19);
    // The defect's case first: inside the evaluation of the step-2 checkpoint.
    let r = await trainUntil(['train', curriculum, '--store', store, '--out', join(dir, 'b')].slice(1), (e) => {
      return e.event === 'phase' && e.phase === 'eval' && e.step === 2;
    });
    expect(r.killed).toBe(true);
    const runId = r.runId;
    let kills = 1;
    let finished = false;
    while (!finished) {
      // After the run event and at most 21 events: often before the next checkpoint (no progress), sometimes after.
      const stopAfter = kills < KILLS ? 2 + Math.floor(random() * 20) : Infinity;
      r = await trainUntil(['--resume', runId, '--store', store], (_e, n) => n >= stopAfter);
      if (r.killed) kills++;
      else finished = true;
    }

    const a = openStore(join(dir, 'a.db'));
    const b = openStore(store);
    try {
      expect(b.getRun(runId).status).toBe('finished');
      expect(b.listSteps(runId).map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
      // Every evaluation present once: the same lifecycles as the uninterrupted run's, no duplicates.
      const ka = evalKeys(a, wholeId);
      const kb = evalKeys(b, runId);
      expect(new Set(kb).size).toBe(kb.length);
      expect(kb).toEqual(ka);
      expect(ka.some((k) => k.startsWith('held@2:'))).toBe(true);
      expect(b.listCheckpoints(runId).map((c) => [c.step, Object.keys(c.eval).sort()])).toEqual(
        a.listCheckpoints(wholeId).map((c) => [c.step, Object.keys(c.eval).sort()]),
      );
      // Metrics (training and eval series) identical.
      const names = a.listMetricNames(wholeId).filter((n) => !n.startsWith('time/') && !n.startsWith('throughput/'));
      expect(names.some((n) => n.startsWith('eval/held/'))).toBe(true);
      const sa = a.getSeries(wholeId, names);
      const sb = b.getSeries(runId, names);
      for (const n of names) {
        expect([...sb[n].steps], n).toEqual([...sa[n].steps]);
        expect([...sb[n].values], n).toEqual([...sa[n].values]);
      }
    } finally {
      a.close();
      b.close();
    }
    expect(kills).toBe(KILLS);
  }, 1_200_000);
});
