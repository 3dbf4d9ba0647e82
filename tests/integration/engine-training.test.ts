/** Optimizer steps in the engine: parity with torch.optim.AdamW, determinism, micro-batching, and learning. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../main/models/config.ts';
import { saveCheckpoint } from '../../main/models/checkpoint.ts';
import { initWeights } from '../../main/models/init.ts';
import { crossEntropyObjective } from '../../main/models/objectives.ts';
import { packBatch, type RaggedBatch } from '../../main/models/packing.ts';
import { ModelRuntime, type OptimizerHyper } from '../../main/models/runtime.ts';
import { readSafetensorsFile, toFloat32 } from '../../main/models/safetensors.ts';
import { assertTorchAvailable, runTorchReference } from './torch-reference.ts';
import { tempDir } from '../support/temp.ts';

const cfg: ModelConfig = {
  architecture: 'qwen3',
  vocabSize: 24,
  hiddenSize: 64,
  intermediateSize: 128,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 256,
  tieWordEmbeddings: true,
  qkNorm: true,
  attentionBias: false,
};
const hyper: OptimizerHyper = { lr: 3e-3, weightDecay: 0.01, maxGradNorm: 1, beta1: 0.9, beta2: 0.999 };

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Copy task: [BOS x SEP x], loss on the copy. Solvable only by attending back across the separator. */
function copyBatch(r: () => number, n: number): RaggedBatch {
  const sequences: number[][] = [];
  const lossMask: number[][] = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: 6 }, () => 2 + Math.floor(r() * 22));
    sequences.push([0, ...x, 1, ...x]);
    lossMask.push([0, ...x.map(() => 0), 0, ...x.map(() => 1)]);
  }
  return { sequences, lossMask };
}

function weightsFeed(b: ReturnType<typeof packBatch>, count?: number) {
  const n = count ?? b.predMask.reduce((a, x) => a + x, 0);
  return { weights: { dtype: 'float32' as const, shape: [b.rows, b.width], data: b.predMask.map((m) => m / n) } };
}

async function trainCopy(threads: number, steps: number): Promise<{ rt: ModelRuntime; losses: number[] }> {
  const rt = new ModelRuntime(cfg, initWeights(cfg, 1), { threads });
  const r = lcg(7);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const p = packBatch(copyBatch(r, 32), { width: 64 });
    losses.push((await rt.trainStep(p, crossEntropyObjective, weightsFeed(p), hyper)).loss);
  }
  return { rt, losses };
}

function concatParams(rt: ModelRuntime): Uint8Array {
  const parts = rt.specs.map((s) => new Uint8Array(rt.params.get(s.name)!.buffer.slice(0)));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('engine training', () => {
  it('a tiny model learns a copy task: loss from ~3.2 to under 0.05 within 150 steps', async () => {
    const { rt, losses } = await trainCopy(2, 150);
    expect(losses[0]).toBeGreaterThan(2.5);
    expect(Math.min(...losses.slice(-10))).toBeLessThan(0.05);
    await rt.dispose();
  });

  it('is deterministic: same seed and inputs give bitwise-identical parameters after 10 steps, 1 and 2 threads', async () => {
    for (const threads of [1, 2]) {
      const a = await trainCopy(threads, 10);
      const b = await trainCopy(threads, 10);
      expect(Buffer.from(concatParams(a.rt)).equals(Buffer.from(concatParams(b.rt))), `threads=${threads}`).toBe(true);
      expect(a.losses).toEqual(b.losses);
      await a.rt.dispose();
      await b.rt.dispose();
    }
  });

  it('a step split into micro-batches equals the whole step (exact token mean across micro-batches)', async () => {
    const batch = copyBatch(lcg(3), 16);
    const count = batch.lossMask.reduce((a, m) => a + m.reduce((x, y) => x + y, 0), 0);
    const whole = new ModelRuntime(cfg, initWeights(cfg, 2), { threads: 1 });
    const pw = packBatch(batch, { width: 64 });
    const wholeGrads = (await whole.grads(pw, crossEntropyObjective, weightsFeed(pw, count))).grads;
    await whole.trainStep(pw, crossEntropyObjective, weightsFeed(pw, count), hyper);

    const split = new ModelRuntime(cfg, initWeights(cfg, 2), { threads: 1 });
    const halves: RaggedBatch[] = [
      { sequences: batch.sequences.slice(0, 5), lossMask: batch.lossMask.slice(0, 5) },
      { sequences: batch.sequences.slice(5), lossMask: batch.lossMask.slice(5) },
    ];
    const acc = new Map<string, Float32Array>();
    for (const h of halves) {
      const p = packBatch(h, { width: 64 });
      const r = await split.grads(p, crossEntropyObjective, weightsFeed(p, count));
      for (const [k, g] of r.grads) {
        const a = acc.get(k);
        if (!a) acc.set(k, Float32Array.from(g));
        else for (let i = 0; i < g.length; i++) a[i] += g[i];
      }
    }
    // The summed micro-batch gradients are the whole-step gradients (token mean over the whole step).
    for (const s of whole.specs) {
      const a = acc.get(s.name)!;
      const b = wholeGrads.get(s.name)!;
      let num = 0;
      let den = 0;
      for (let i = 0; i < a.length; i++) {
        num += (a[i] - b[i]) ** 2;
        den += b[i] ** 2;
      }
      expect(Math.sqrt(num / den), s.name).toBeLessThan(1e-5);
    }
    // And the applied update matches the one-run step. Adam's first step is ~lr·sign(g), so float32 summation
    // order can only move near-zero gradients' updates: bound the difference relative to lr.
    await split.applyGrads(acc, hyper);
    for (const s of whole.specs) {
      const a = whole.params.get(s.name)!;
      const b = split.params.get(s.name)!;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      expect(maxDiff, s.name).toBeLessThan(1e-2 * hyper.lr);
    }
    await whole.dispose();
    await split.dispose();
  });

  // beta2 0.95 is what `cod pretrain` uses: the betas must reach the moment updates, not only the bias corrections
  // (they were once baked into the graph as 0.999, which this case catches).
  it.each([
    [0.9, 0.999],
    [0.8, 0.95],
  ])(
    'in-graph AdamW with global-norm clipping matches torch.optim.AdamW + clip_grad_norm_ over 3 steps (betas %s, %s)',
    async (beta1, beta2) => {
      assertTorchAvailable();
      const dir = tempDir('adam');
      const model = join(dir, 'model');
      const w0 = initWeights(cfg, 5, 0.1);
      await saveCheckpoint(model, cfg, w0);
      const batch = copyBatch(lcg(9), 6);
      writeFileSync(join(dir, 'batch.json'), JSON.stringify({ sequences: batch.sequences, loss_mask: batch.lossMask }));
      // A tight clip so clipping is active on every step.
      const h: OptimizerHyper = { ...hyper, lr: 1e-2, maxGradNorm: 0.5, beta1, beta2 };
      const rt = new ModelRuntime(cfg, initWeights(cfg, 5, 0.1), { threads: 1 });
      const p = packBatch(batch);
      const norms: number[] = [];
      for (let s = 0; s < 3; s++)
        norms.push((await rt.trainStep(p, crossEntropyObjective, weightsFeed(p), h)).gradNorm);
      expect(Math.min(...norms)).toBeGreaterThan(0.5);
      const out = join(dir, 'torch.safetensors');
      await runTorchReference([
        'train',
        model,
        join(dir, 'batch.json'),
        out,
        '3',
        String(h.lr),
        String(h.weightDecay),
        String(h.maxGradNorm),
        String(beta1),
        String(beta2),
      ]);
      const ref = new Map((await readSafetensorsFile(out)).tensors.map((t) => [t.name, toFloat32(t, out)]));
      for (const s of rt.specs) {
        const before = w0.get(s.name)!;
        const ours = rt.params.get(s.name)!;
        const theirs = ref.get(s.name)!;
        // Compare the updates (after - before): they are what the optimizer computed.
        let num = 0;
        let den = 0;
        for (let i = 0; i < ours.length; i++) {
          num += (ours[i] - theirs[i]) ** 2;
          den += (theirs[i] - before[i]) ** 2;
        }
        expect(Math.sqrt(num / den), s.name).toBeLessThan(1e-3);
      }
      await rt.dispose();
    },
  );
});
