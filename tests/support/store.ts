/**
 * The store fixture: temp stores with a run, deterministic step contents, the config `cod train` stores with a run,
 * and child processes running real stores.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type RunStore } from '../../main/store/index.ts';
import type { JsonObject, LifecycleInput, SampleInput, StepCommit } from '../../main/store/types.ts';
import type { Curriculum } from '../../main/training/curriculum/schema.ts';
import type { StoredRunConfig } from '../../main/training/run-session.ts';
import { parseTrainerConfig } from '../../main/training/training-config.ts';
import { tempDir } from './temp.ts';

export interface TempStore {
  readonly dir: string;
  readonly path: string;
  readonly store: RunStore;
  /** A run made by newRunIn; its lease is held by `store` when asked for. */
  readonly runId: string;
}

/** A fresh store (runs.db in a new temp dir) holding one run. */
export function tempStore(opts: { lease?: boolean } = {}): TempStore {
  const dir = tempDir('store');
  const path = join(dir, 'runs.db');
  const store = openStore(path);
  const runId = newRunIn(store);
  if (opts.lease) store.acquireRunLease(runId);
  return { dir, path, store, runId };
}

/** A store path in a fresh temp dir (nothing opened). */
export function tempStorePath(): string {
  return join(tempDir('store'), 'runs.db');
}

/** What `cod train` stores as a run's config (main/training/run-session.ts), as the store holds it. */
export function storedRunConfig(curriculum: Curriculum, model: string, curriculumFile = 'curriculum.yaml'): JsonObject {
  const cfg: StoredRunConfig = {
    curriculum,
    curriculumFile,
    pluginDirs: [],
    model,
    trainer: parseTrainerConfig(curriculum.training),
  };
  return JSON.parse(JSON.stringify(cfg)) as JsonObject;
}

export function newRunIn(store: RunStore, id?: string): string {
  return store.createRun({
    ...(id ? { id } : {}),
    name: 'test run',
    config: { curriculum: { domains: ['frozenlake'] }, lr: 1e-6 },
    seeds: [1, 2, 3],
    codeVersion: 'test-sha',
    runDir: '/tmp/cod-runs/test',
  }).id;
}

export interface StepShape {
  readonly lifecycles: number;
  /** Solve turns per lifecycle (each turn one sample), plus one update sample. */
  readonly turns: number;
  /** Prompt tokens added per turn. */
  readonly tokensPerTurn: number;
}

export const SMALL: StepShape = { lifecycles: 2, turns: 2, tokensPerTurn: 4 };

export const METRIC_NAMES = ['loss', 'reward/pos0', 'reward/pos1', 'red_temperature'] as const;

/** Deterministic value of metric `i` at `step`, so a reader can check what it got. */
export function metricValue(step: number, i: number): number {
  return step * 10 + i + 0.25;
}

/** A step's full contents, deterministic in (step, shape): lifecycles `s<step>-l<i>` with growing prompts. */
export function stepCommit(step: number, shape: StepShape = SMALL): StepCommit {
  const lifecycles: LifecycleInput[] = [];
  const samples: SampleInput[] = [];
  for (let l = 0; l < shape.lifecycles; l++) {
    const id = `s${step}-l${l}`;
    lifecycles.push({
      id,
      packId: `pack-${step}-${l >> 1}`,
      domain: l % 2 === 0 ? 'frozenlake' : 'sokoban',
      rolloutIndex: l,
      split: 'train',
      rewards: [0.5, l % 3 === 0 ? null : 1],
      updateRewards: [0],
      hints: ['Hints: null', `Hints: step ${step} lifecycle ${l}`],
    });
    const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [
      { role: 'system', content: `rules of ${id}` },
    ];
    const prompt: number[] = [];
    for (let t = 0; t < shape.turns; t++) {
      messages.push({ role: 'user', content: `observation ${t} of ${id}` });
      for (let k = 0; k < shape.tokensPerTurn; k++) prompt.push(step * 1000 + t * 100 + k);
      const responseIds = [step, l, t, 7];
      samples.push({
        lifecycleId: id,
        position: 0,
        kind: 'solve',
        turn: t,
        messages: [...messages],
        response: `<answer>move ${t}</answer>`,
        promptIds: [...prompt],
        responseIds,
        logprobs: responseIds.map((_, k) => -0.125 * (k + 1)),
        advantages: responseIds.map(() => 0.5),
        reward: 0.5,
        return: 0.75,
        advantage: 0.5 - l * 0.25,
        outcome: 'success',
        hintBefore: 'Hints: null',
        feedback: 'reached the goal',
      });
      messages.push({ role: 'assistant', content: `<answer>move ${t}</answer>` });
      prompt.push(step, l, t, 7);
    }
    samples.push({
      lifecycleId: id,
      position: 0,
      kind: 'update',
      turn: 0,
      messages: [{ role: 'system', content: 'update the hints' }],
      response: `--- Start of updated hints ---\nstep ${step}\n--- End of updated hints ---`,
      reward: 0,
      hintBefore: 'Hints: null',
      hintAfter: `Hints: step ${step} lifecycle ${l}`,
    });
  }
  const metrics: Record<string, number> = {};
  METRIC_NAMES.forEach((n, i) => (metrics[n] = metricValue(step, i)));
  return {
    timing: { rolloutS: 1.5, trainS: 0.5, idleS: 0.25 },
    policyVersion: step,
    metrics,
    lifecycles,
    samples,
  };
}

export function samplesPerStep(shape: StepShape): number {
  return shape.lifecycles * (shape.turns + 1);
}

/** Open a store with a run whose lease this handle holds. */
export function storeWithRun(path: string): { store: RunStore; runId: string } {
  const store = openStore(path);
  const runId = newRunIn(store);
  store.acquireRunLease(runId);
  return { store, runId };
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'store-child.ts');

export interface Child {
  readonly proc: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Every stdout line so far. */
  readonly lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
}

/** Run tests/support/store-child.ts in a real Node process (same Node binary, TypeScript via tsx). */
export function spawnStoreChild(args: string[]): Child {
  const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '--import', 'tsx', CHILD, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    lines,
    exited,
    stderr: () => stderr,
    waitFor(re, timeoutMs = 30_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child did not print ${re} in ${timeoutMs} ms; stderr:\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(({ code, signal }) =>
          reject(new Error(`child exited (${code ?? signal}) before printing ${re}; stderr:\n${stderr}`)),
        );
      });
    },
  };
}
