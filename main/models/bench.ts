/**
 * Engine training throughput versus PyTorch on the same machine, same model, batch and optimizer, in one run,
 * plus the machine's peak GEMM rate measured through onnxruntime so achieved GFLOP/s has a yardstick.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { emitModel, EngineSession, Graph, matmul, providersFromEnv, tensorData } from '../engine/index.ts';
import { saveCheckpoint } from './checkpoint.ts';
import type { ModelConfig } from './config.ts';
import { initWeights } from './init.ts';
import { crossEntropyObjective } from './objectives.ts';
import { packBatch } from './packing.ts';
import { ModelRuntime } from './runtime.ts';
import { forwardFlopsPerToken } from './transformer.ts';

const run = promisify(execFile);
export const TORCH_REFERENCE = join(import.meta.dirname, '..', '..', 'resources', 'reference', 'torch_decoder.py');
export const PYTHON = '/usr/bin/python3';

export interface BenchEntry {
  size: string;
  params: number;
  rows: number;
  width: number;
  tokens_per_step: number;
  engine_tokens_per_s: number;
  torch_tokens_per_s: number | null;
  ratio: number | null;
  gflops: number;
  peak_gflops: number;
  threads: number;
}

/** Peak fp32 GEMM through onnxruntime (1024^3 with a constant right operand, the best case on this CPU). */
export async function measurePeakGemm(threads: number): Promise<number> {
  const n = 1024;
  const g = new Graph('gemm');
  const a = g.input('a', 'float32', [n, n]);
  const w = g.constant(
    tensorData(
      'float32',
      [n, n],
      Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
    ),
  );
  g.output('y', matmul(a, w));
  const s = await EngineSession.create(emitModel(g), { providers: providersFromEnv(), threads });
  const feed = { a: { dtype: 'float32' as const, shape: [n, n], data: new Float32Array(n * n).fill(0.5) } };
  for (let i = 0; i < 3; i++) await s.run(feed);
  let best = 0;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    const reps = 8;
    for (let i = 0; i < reps; i++) await s.run(feed);
    const dt = (performance.now() - t0) / 1000;
    best = Math.max(best, (2 * n * n * n * reps) / dt / 1e9);
  }
  await s.release();
  return best;
}

export interface BenchOptions {
  rows: number;
  width: number;
  steps: number;
  threads: number;
  torch: boolean;
  onProgress?: (msg: string) => void;
}

export async function benchSize(size: string, c: ModelConfig, peak: number, o: BenchOptions): Promise<BenchEntry> {
  const rt = new ModelRuntime(c, initWeights(c, 1), { threads: o.threads });
  // Random tokens, one full-width sequence per row: the same batch the torch side builds.
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % c.vocabSize;
  const sequences = Array.from({ length: o.rows }, () => Array.from({ length: o.width }, next));
  const lossMask = sequences.map((q) => q.map((_, t) => (t === 0 ? 0 : 1)));
  const p = packBatch({ sequences, lossMask }, { width: o.width });
  const count = o.rows * (o.width - 1);
  const extra = {
    weights: { dtype: 'float32' as const, shape: [p.rows, p.width], data: p.predMask.map((m) => m / count) },
  };
  const hyper = { lr: 1e-3, weightDecay: 0.01, maxGradNorm: 1, beta1: 0.9, beta2: 0.999 };
  o.onProgress?.(`${size}: compiling and warming up`);
  // Two warm-up steps: onnxruntime's memory arena grows over the first runs of a session.
  for (let i = 0; i < 2; i++) await rt.trainStep(p, crossEntropyObjective, extra, hyper);
  const t0 = performance.now();
  for (let i = 0; i < o.steps; i++) {
    await rt.trainStep(p, crossEntropyObjective, extra, hyper);
    o.onProgress?.(`${size}: engine step ${i + 1}/${o.steps}`);
  }
  const engineTps = (o.rows * o.width * o.steps) / ((performance.now() - t0) / 1000);
  const params = rt.numParams;
  await rt.dispose();

  let torchTps: number | null = null;
  if (o.torch) {
    o.onProgress?.(`${size}: PyTorch reference`);
    const dir = await mkdtemp(join(tmpdir(), 'cod-bench-'));
    try {
      await saveCheckpoint(dir, c, initWeights(c, 1));
      const { stdout } = await run(
        PYTHON,
        [TORCH_REFERENCE, 'bench', dir, String(o.rows), String(o.width), String(o.steps), String(o.threads)],
        {
          env: { ...process.env, OMP_NUM_THREADS: String(o.threads) },
          maxBuffer: 1 << 20,
        },
      );
      torchTps = (JSON.parse(stdout.trim().split('\n').pop()!) as { tokens_per_s: number }).tokens_per_s;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  // Training ~ 3x the forward matmul FLOPs (forward + two backward GEMMs per forward GEMM).
  const gflops = (3 * forwardFlopsPerToken(c, o.width) * engineTps) / 1e9;
  return {
    size,
    params,
    rows: o.rows,
    width: o.width,
    tokens_per_step: o.rows * o.width,
    engine_tokens_per_s: Math.round(engineTps),
    torch_tokens_per_s: torchTps === null ? null : Math.round(torchTps),
    ratio: torchTps === null ? null : Number((engineTps / torchTps).toFixed(3)),
    gflops: Number(gflops.toFixed(1)),
    peak_gflops: Number(peak.toFixed(1)),
    threads: o.threads,
  };
}
