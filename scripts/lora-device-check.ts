/**
 * LoRA training on a given provider against the CPU: 3 AdamW steps of a rank-8 adapter on a bf16 tiny model with
 * each provider, then the largest relative difference of the adapter (after syncHost) and whether the state stayed
 * on the device between steps. For scripts/gpu-check.sh on a machine with a GPU.
 *
 *   node --import tsx scripts/lora-device-check.ts webgpu
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderName } from '../main/engine/index.ts';
import { ALL_LINEAR, initAdapter } from '../main/models/adapter.ts';
import { loadStoredCheckpoint } from '../main/models/checkpoint.ts';
import { crossEntropyObjective } from '../main/models/objectives.ts';
import { packBatch } from '../main/models/packing.ts';
import { presetConfig } from '../main/models/presets.ts';
import { writeRandomCheckpoint } from '../main/models/random-checkpoint.ts';
import { ModelRuntime } from '../main/models/runtime.ts';

const provider = (process.argv[2] ?? 'webgpu') as ProviderName;
const dir = mkdtempSync(join(tmpdir(), 'cod-lora-device-'));
const config = presetConfig('tiny');
await writeRandomCheckpoint(dir, config, { seed: 1, dtype: 'BF16' });
const base = await loadStoredCheckpoint(dir);
const seqs = [0, 1, 2].map((k) => Array.from({ length: 200 }, (_, i) => (i * 31 + k * 7) % config.vocabSize));
const packed = packBatch({ sequences: seqs, lossMask: seqs.map((s) => s.map((_, t) => (t ? 1 : 0))) });
const weights = packed.predMask.map((m) => m / (3 * 199));

async function train(p: ProviderName): Promise<{ adapter: Map<string, Float32Array>; device: boolean; used: string }> {
  const adapter = initAdapter(config, { rank: 8, alpha: 16, targets: [...ALL_LINEAR] }, 3, 'random');
  const rt = ModelRuntime.lora(base.config, base.tensors, adapter, {
    providers: [p],
    onFallback: (q, why) => console.error(`${q}: ${why}`),
  });
  let device = false;
  for (let i = 0; i < 3; i++) {
    await rt.trainStep(
      packed,
      crossEntropyObjective,
      { weights: { dtype: 'float32', shape: [packed.rows, packed.width], data: weights } },
      { lr: 1e-3, weightDecay: 0.01, maxGradNorm: 1, beta1: 0.9, beta2: 0.999 },
    );
    device ||= rt.deviceResident;
  }
  await rt.syncHost();
  const used = rt.providerUsed ?? '?';
  await rt.dispose();
  return { adapter: rt.params, device, used };
}

const ref = await train('cpu');
const got = await train(provider);
let worst = 0;
for (const [k, v] of ref.adapter) {
  const w = got.adapter.get(k)!;
  let num = 0;
  let den = 0;
  for (let i = 0; i < v.length; i++) {
    num += (w[i] - v[i]) ** 2;
    den += v[i] ** 2;
  }
  worst = Math.max(worst, Math.sqrt(num / Math.max(den, 1e-30)));
}
console.log(JSON.stringify({ provider, used: got.used, stateStayedOnDevice: got.device, worstRelL2VsCpu: worst }));
