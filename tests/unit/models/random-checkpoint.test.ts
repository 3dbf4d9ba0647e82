/** Streaming random checkpoints: stored dtypes, HF sharding with an index, and reading them back as stored. */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, loadStoredCheckpoint } from '../../../main/models/checkpoint.ts';
import { presetConfig } from '../../../main/models/presets.ts';
import { writeRandomCheckpoint } from '../../../main/models/random-checkpoint.ts';
import { toFloat32 } from '../../../main/models/safetensors.ts';

const config = presetConfig('tiny');

function stats(x: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let q = 0;
  for (const v of x) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / x.length) };
}

describe('writeRandomCheckpoint', () => {
  for (const dtype of ['BF16', 'F16', 'F32'] as const) {
    it(`${dtype}, sharded: index as HF writes it, tensors read back as stored`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cod-rand-'));
      const res = await writeRandomCheckpoint(dir, config, { seed: 4, dtype, maxShardBytes: 300_000 });
      expect(res.files.length).toBeGreaterThan(1);
      expect(res.files[0]).toBe(`model-00001-of-${String(res.files.length).padStart(5, '0')}.safetensors`);
      const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
      expect(index.metadata.total_size).toBe(res.bytes);
      expect(new Set(Object.values(index.weight_map))).toEqual(new Set(res.files));
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const stored = await loadStoredCheckpoint(dir);
      const q = stored.tensors.get('model.layers.0.self_attn.q_proj.weight')!;
      expect(q.dtype).toBe(dtype);
      const qs = stats(toFloat32(q, 'q'));
      expect(Math.abs(qs.mean)).toBeLessThan(0.002);
      expect(Math.abs(qs.std - 0.02)).toBeLessThan(0.001);
      expect([...toFloat32(stored.tensors.get('model.norm.weight')!, 'n')].every((v) => v === 1)).toBe(true);
      // The float32 view of the same checkpoint, and the seed reproduces it exactly.
      const f32 = await loadCheckpoint(dir);
      const again = mkdtempSync(join(tmpdir(), 'cod-rand-'));
      await writeRandomCheckpoint(again, config, { seed: 4, dtype });
      const b = await loadCheckpoint(again);
      for (const [k, v] of f32.weights) expect(b.weights.get(k)).toEqual(v);
    });
  }
});
