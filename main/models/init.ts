/**
 * Random initialisation as Hugging Face does for these families: linear and embedding weights ~ N(0, 0.02),
 * RMSNorm weights 1, biases 0. Seeded so `cod model init --seed N` is reproducible on every machine.
 */
import { createHash } from 'node:crypto';
import type { ModelConfig } from './config.ts';
import { parameterSpecs } from './transformer.ts';

/** A counter-mode sha256 stream of uniforms: slow-ish but platform-independent; init runs once per model. */
function* uniforms(seed: string): Generator<number> {
  for (let block = 0; ; block++) {
    const h = createHash('sha256').update(`${seed}:${block}`).digest();
    for (let i = 0; i + 4 <= h.length; i += 4) yield (h.readUInt32LE(i) + 0.5) / 4294967296;
  }
}

export function initWeights(c: ModelConfig, seed: number, std = 0.02): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const s of parameterSpecs(c)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(n);
    if (s.name.endsWith('norm.weight')) w.fill(1);
    else if (!s.name.endsWith('.bias')) {
      const u = uniforms(`${seed}:${s.name}`);
      for (let i = 0; i < n; i += 2) {
        // Box–Muller: two normals per pair of uniforms.
        const r = Math.sqrt(-2 * Math.log(u.next().value as number));
        const t = 2 * Math.PI * (u.next().value as number);
        w[i] = std * r * Math.cos(t);
        if (i + 1 < n) w[i + 1] = std * r * Math.sin(t);
      }
    }
    out.set(s.name, w);
  }
  return out;
}
