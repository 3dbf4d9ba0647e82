/**
 * Can the engine's trainer teach the `tiny` preset an induction head? A repeated random span at a random offset
 * (so a fixed-offset attention head cannot solve it) is the smallest task that needs a content-matched lookup, the
 * skill the built-in model needs to read its notes. The same task trained by PyTorch for comparison:
 * `/usr/bin/python3 scripts/induction_check_torch.py STEPS LR`. Both print the loss on the repeated half every 20
 * steps; about 5.97 is chance (uniform over 391 tokens), a working induction head brings it towards 3.
 * Usage: npx node --import tsx scripts/induction-check.ts [STEPS=400] [LR=2e-3] [THREADS=2]
 */
import { Rng } from '../main/envs/seed.ts';
import { initWeights } from '../main/models/init.ts';
import { crossEntropyObjective } from '../main/models/objectives.ts';
import { packBatch } from '../main/models/packing.ts';
import { presetConfig } from '../main/models/presets.ts';
import { ModelRuntime } from '../main/models/runtime.ts';

const steps = Number(process.argv[2] ?? 400);
const lr = Number(process.argv[3] ?? 2e-3);
const threads = Number(process.argv[4] ?? 2);
const half = 32;
const rows = 8192 / (2 * half);
const config = presetConfig('tiny');
const rt = new ModelRuntime(config, initWeights(config, 0), { threads, memArena: false, maxSessions: 2 });
const rng = new Rng('induction-check');
for (let step = 1; step <= steps; step++) {
  const seqs: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const a = Array.from({ length: half }, () => rng.int(10, 400));
    const gap = Array.from({ length: rng.int(0, half - 1) }, () => rng.int(10, 400));
    seqs.push([...a, ...gap, ...a.slice(0, half - gap.length)]);
  }
  const p = packBatch({ sequences: seqs, lossMask: seqs.map((s) => s.map(() => 1)) }, { width: 2 * half, padId: 0 });
  const w = new Float32Array(p.rows * p.width);
  let total = 0;
  for (const { row, offset } of p.placements)
    for (let t = half; t < 2 * half - 1; t++) {
      w[row * p.width + offset + t] = 1;
      total++;
    }
  for (let i = 0; i < w.length; i++) w[i] /= total;
  const r = await rt.trainStep(
    p,
    crossEntropyObjective,
    { weights: { dtype: 'float32', shape: [p.rows, p.width], data: w } },
    { lr, weightDecay: 0.01, maxGradNorm: 1, beta1: 0.9, beta2: 0.95 },
  );
  if (step % 20 === 0) console.log(step, r.loss.toFixed(3));
}
await rt.dispose();
