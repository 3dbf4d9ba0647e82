/**
 * `cod doctor`'s memory estimate (main/models/memory-estimate.ts) and the command itself: the parts it counts for a
 * small LoRA base (held as stored, copied into the session) and a large one (one mapped float32 file), growth linear
 * in the context, and the providers report (cpu always loads).
 */
import { describe, expect, it } from 'vitest';
import { ALL_LINEAR } from '../../../main/models/adapter.ts';
import { parseHfConfig } from '../../../main/models/config.ts';
import { estimateStepMemory } from '../../../main/models/memory-estimate.ts';
import { BUILTIN_MODEL_DIR } from '../../../main/training/locations.ts';
import { QWEN3_06B } from '../../../scripts/qwen3-shape.ts';
import { cod } from '../../support/cod.ts';

const lora = { rank: 16, alpha: 32, targets: [...ALL_LINEAR] };
const qwen = parseHfConfig(QWEN3_06B, 'Qwen3-0.6B shape');

describe('the memory estimate of one training step', () => {
  it('counts a large LoRA base once, as the mapped float32 file', () => {
    const est = estimateStepMemory(qwen, 4096, { lora, storedBytesPerParam: 2, recomputeLayers: true });
    expect(est.parameters).toBeGreaterThan(5e8);
    expect(est.parts['base weights, mapped float32 file (shared by every session)']).toBe(est.parameters * 4);
    expect(est.parts['base weights as stored (host)']).toBeUndefined();
    expect(est.parts['adapter + AdamW state + gradients (float32)']).toBe(est.adapterParameters * 16);
  });

  it('grows linearly in the context with recomputed layers', () => {
    const at = (T: number) => estimateStepMemory(qwen, T, { lora, recomputeLayers: true }).totalBytes;
    expect((at(8192) - at(4096)) / (at(4096) - at(2048))).toBeCloseTo(2, 6);
  });

  it('cod doctor: cpu loads, and a small LoRA base is held as stored and copied into the session', async () => {
    const r = await cod(['doctor', '--model', BUILTIN_MODEL_DIR, '--context', '512', '--rank', '8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      providers: Array<{ provider: string; ok: boolean }>;
      estimate: { context: number; parts: Record<string, number>; adapterParameters: number };
    };
    expect(report.providers.find((p) => p.provider === 'cpu')?.ok).toBe(true);
    expect(report.estimate.context).toBe(512);
    expect(report.estimate.adapterParameters).toBeGreaterThan(0);
    expect(Object.keys(report.estimate.parts)).toContain('base weights in the session (float32)');
    const bad = await cod(['doctor', '--model', BUILTIN_MODEL_DIR, '--rank', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
