import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import {
  checkTensorsAgainstConfig,
  expectedTensorShapes,
  readCheckpointTensorInfo,
  readCheckpointWeights,
} from '../../../main/models/checkpoint-files.ts';
import { fromFloat32, writeSafetensorsFile, type NamedTensor } from '../../../main/models/safetensors.ts';
import { randomWeights, tinyConfig, writeWeights } from '../../fixtures/models/hf-checkpoint.ts';
import { tempDir } from '../../support/temp.ts';

const tmp = (): string => tempDir('ckpt');

async function rejectsWith(p: Promise<unknown>, code: string, ...fragments: string[]): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CodError);
  expect((e as CodError).code).toBe(code);
  for (const f of fragments) expect((e as Error).message).toContain(f);
}

describe('expectedTensorShapes', () => {
  it('lists every tensor per architecture in HF layout', () => {
    const llama = expectedTensorShapes(tinyConfig('llama'));
    expect(llama.size).toBe(1 + 2 * 9 + 2);
    expect(llama.get('model.layers.1.self_attn.k_proj.weight')).toEqual([8, 16]);
    expect(llama.get('model.layers.0.self_attn.o_proj.weight')).toEqual([16, 16]);
    expect(llama.get('model.layers.0.mlp.down_proj.weight')).toEqual([16, 24]);
    const qwen2 = expectedTensorShapes(tinyConfig('qwen2', true));
    expect(qwen2.get('model.layers.0.self_attn.v_proj.bias')).toEqual([8]);
    expect(qwen2.has('lm_head.weight')).toBe(false);
    const qwen3 = expectedTensorShapes(tinyConfig('qwen3'));
    expect(qwen3.get('model.layers.0.self_attn.q_proj.weight')).toEqual([32, 16]);
    expect(qwen3.get('model.layers.1.self_attn.k_norm.weight')).toEqual([8]);
    expect(qwen3.has('model.layers.0.self_attn.q_proj.bias')).toBe(false);
  });
});

describe('readCheckpointWeights', () => {
  it('reads a single file and a sharded checkpoint to the same tensors', async () => {
    const tensors = randomWeights(tinyConfig('qwen2'), 5);
    const single = tmp();
    const sharded = tmp();
    await writeWeights(single, tensors, 1);
    await writeWeights(sharded, tensors, 3);
    const a = await readCheckpointWeights(single);
    const b = await readCheckpointWeights(sharded);
    expect([...a.keys()].sort()).toEqual(tensors.map((t) => t.name).sort());
    for (const t of tensors) {
      expect(Array.from(a.get(t.name)!.data)).toEqual(Array.from(t.data));
      expect(Array.from(b.get(t.name)!.data)).toEqual(Array.from(t.data));
    }
    const info = await readCheckpointTensorInfo(sharded);
    expect(info.get('model.norm.weight')).toMatchObject({ dtype: 'F32', shape: [16] });
    expect(new Set([...info.values()].map((i) => i.file)).size).toBe(3);
  });

  it('reports missing directories and missing or foreign weight files', async () => {
    await rejectsWith(
      readCheckpointWeights('/nonexistent/ckpt'),
      'not_found',
      '/nonexistent/ckpt: checkpoint directory not found',
    );
    const empty = tmp();
    await rejectsWith(readCheckpointWeights(empty), 'bad_checkpoint', 'no weights');
    writeFileSync(join(empty, 'pytorch_model.bin'), 'x');
    await rejectsWith(readCheckpointWeights(empty), 'unsupported', 'pytorch_model.bin: only safetensors');
  });

  it('checks the index against the shards', async () => {
    const tensors: NamedTensor[] = [
      fromFloat32('a', [1], Float32Array.of(1)),
      fromFloat32('b', [1], Float32Array.of(2)),
    ];
    const dir = tmp();
    await writeSafetensorsFile(join(dir, 's1.safetensors'), [tensors[0]]);
    await writeSafetensorsFile(join(dir, 's2.safetensors'), [tensors[1]]);
    const index = (map: unknown): void => writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(map));

    writeFileSync(join(dir, 'model.safetensors.index.json'), '{');
    await rejectsWith(readCheckpointWeights(dir), 'bad_checkpoint', 'model.safetensors.index.json: not valid JSON');
    index({ metadata: {} });
    await rejectsWith(readCheckpointWeights(dir), 'bad_checkpoint', 'missing "weight_map"');
    index({ weight_map: { a: 's1.safetensors', b: 's3.safetensors' } });
    await rejectsWith(readCheckpointWeights(dir), 'bad_checkpoint', "shard 's3.safetensors'", 'is missing');
    index({ weight_map: { a: '../s1.safetensors' } });
    await rejectsWith(readCheckpointWeights(dir), 'bad_checkpoint', "tensor 'a' maps to '../s1.safetensors'");
    index({ weight_map: { a: 's1.safetensors', b: 's1.safetensors' } });
    await rejectsWith(
      readCheckpointWeights(dir),
      'bad_checkpoint',
      "tensor 'b' listed in model.safetensors.index.json is not in s1",
    );
    index({ weight_map: { a: 's1.safetensors', c: 's2.safetensors' } });
    await rejectsWith(
      readCheckpointWeights(dir),
      'bad_checkpoint',
      "tensor 'b' is in s2.safetensors but",
      'maps it to nothing',
    );
    await writeSafetensorsFile(join(dir, 's2.safetensors'), [tensors[0]]);
    index({ weight_map: { a: 's1.safetensors', b: 's2.safetensors' } });
    await rejectsWith(
      readCheckpointTensorInfo(dir),
      'bad_checkpoint',
      "tensor 'a' appears in both s1.safetensors and s2.safetensors",
    );
  });
});

describe('checkTensorsAgainstConfig', () => {
  const config = tinyConfig('qwen2', true);
  const infoOf = (tensors: NamedTensor[]) => new Map(tensors.map((t) => [t.name, { dtype: t.dtype, shape: t.shape }]));

  it('accepts a complete checkpoint and ignores a tied lm_head and RoPE tables', () => {
    const tensors = randomWeights(config);
    tensors.push(fromFloat32('lm_head.weight', [320, 16], new Float32Array(320 * 16)));
    tensors.push(fromFloat32('model.layers.0.self_attn.rotary_emb.inv_freq', [2], new Float32Array(2)));
    expect(checkTensorsAgainstConfig(infoOf(tensors), config, 'ck').sort()).toEqual([
      'lm_head.weight',
      'model.layers.0.self_attn.rotary_emb.inv_freq',
    ]);
  });

  it('names a missing tensor, a wrong shape, a non-float dtype and an unexpected tensor', () => {
    const base = randomWeights(config);
    const without = base.filter((t) => t.name !== 'model.layers.1.self_attn.k_proj.bias');
    expect(() => checkTensorsAgainstConfig(infoOf(without), config, 'ck')).toThrow(
      "ck: missing tensor 'model.layers.1.self_attn.k_proj.bias' (shape [8])",
    );
    const info = infoOf(base);
    info.set('model.layers.0.mlp.up_proj.weight', { dtype: 'F32', shape: [16, 24] });
    expect(() => checkTensorsAgainstConfig(info, config, 'ck')).toThrow(
      "tensor 'model.layers.0.mlp.up_proj.weight' has shape [16, 24], config.json implies [24, 16]",
    );
    const ints = infoOf(base);
    ints.set('model.norm.weight', { dtype: 'I32', shape: [16] });
    expect(() => checkTensorsAgainstConfig(ints, config, 'ck')).toThrow("tensor 'model.norm.weight' has dtype I32");
    const extra = infoOf(base);
    extra.set('model.layers.2.mlp.up_proj.weight', { dtype: 'F32', shape: [24, 16] });
    expect(() => checkTensorsAgainstConfig(extra, config, 'ck')).toThrow(
      "unexpected tensor 'model.layers.2.mlp.up_proj.weight' for a qwen2 config with 2 layers",
    );
  });
});
