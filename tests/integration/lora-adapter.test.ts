/**
 * LoRA adapters end to end: the blocked / chunked / recomputed memory paths equal the dense one (loss and every
 * gradient within 1e-5), the merged checkpoint's logits equal base + adapter's (PyTorch float64 and the engine), the
 * adapter_config.json fields follow peft, and bad adapters are refused in one line with exit 2.
 */
import { mkdtempSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../main/models/checkpoint.ts';
import { initWeights } from '../../main/models/init.ts';
import { cod } from '../support/cod.ts';
import { batchFile, cases, makeModel, ok, relL2, tensors } from './lora-fixtures.ts';
import { assertTorchAvailable, runTorchReference } from './torch-reference.ts';

describe('memory paths equal the dense path', () => {
  it('blocked attention, chunked loss and recomputed layers: loss and every gradient within 1e-5 (full fine-tune, packed)', async () => {
    const c = cases['qwen3 GQA q/k norm tied, lm_head on a tied head, blocked + recomputed'];
    const dir = mkdtempSync(join(tmpdir(), 'cod-paths-'));
    const model = await makeModel(dir, c, 3);
    const batch = batchFile(dir, c.config.vocabSize, [40, 7, 25, 3, 33, 12], 3);
    const run = async (name: string, flags: string[]) => {
      const out = join(dir, `${name}.safetensors`);
      ok(await cod(['engine', 'grads', '--model', model, '--batch', batch, '--out', out, ...flags]));
      return tensors(out);
    };
    const dense = await run('dense', ['--attention', 'dense', '--loss-chunk', '0']);
    for (const [name, flags] of [
      ['blocked', ['--block', '8', '--loss-chunk', '0']],
      ['chunked', ['--attention', 'dense', '--loss-chunk', '10']],
      ['all', ['--block', '16', '--loss-chunk', '32', '--recompute-layers']],
      ['mlp chunks', ['--block', '16', '--loss-chunk', '32', '--mlp-chunk', '12', '--recompute-layers']],
    ] as const) {
      const t = await run(name, [...flags]);
      for (const [k, v] of dense) {
        const err = k === 'loss' ? Math.abs(t.get(k)![0] - v[0]) / Math.abs(v[0]) : relL2(t.get(k)!, v);
        expect(err, `${name}: ${k}`).toBeLessThan(1e-5);
      }
    }
  });
});

describe('merged checkpoints and bad adapters', () => {
  beforeAll(() => assertTorchAvailable());
  let dir: string;
  let model: string;
  let adapter: string;
  let batch: string;
  const c = cases['llama MHA untied, all linear + lm_head, dense attention'];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cod-merge-'));
    model = await makeModel(dir, c, 8);
    adapter = join(dir, 'adapter');
    ok(
      await cod([
        ...['lora', 'init', '--model', model, '--rank', '3', '--alpha', '6', '--targets', c.targets],
        ...['--seed', '2', '--init', 'random', '--out', adapter],
      ]),
    );
    batch = batchFile(dir, c.config.vocabSize, [11, 6, 20], 8);
  });

  it('adapter_config.json carries peft LoraConfig fields (huggingface/peft@5d602fd)', () => {
    const cfg = JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 3, lora_alpha: 6, lora_dropout: 0 });
    expect(cfg.target_modules).toEqual([...c.targets.split(',')].sort());
    expect(Object.keys(cfg)).toEqual([...Object.keys(cfg)].sort());
    expect(cfg).not.toHaveProperty('runtime_config');
  });

  it("merged checkpoint's logits = base + adapter's (PyTorch float64, and the engine's log-probs)", async () => {
    const merged = join(dir, 'merged');
    ok(await cod(['lora', 'merge', '--model', model, '--adapter', adapter, '--out', merged]));
    const a = join(dir, 'merged-logits.safetensors');
    const b = join(dir, 'adapter-logits.safetensors');
    await runTorchReference(['logits', merged, batch, a]);
    await runTorchReference(['logits', model, batch, b, adapter]);
    const la = await tensors(a);
    for (const [k, v] of await tensors(b)) expect(relL2(la.get(k)!, v), k).toBeLessThan(1e-5);
    const score = async (args: string[]) =>
      JSON.parse((await cod(['model', 'score', '--batch', batch, '--json', ...args])).stdout).logprobs as Array<
        Array<number | null>
      >;
    const sm = await score(['--model', merged]);
    const sa = await score(['--model', model, '--adapter', adapter]);
    sm.forEach((row, i) =>
      row.forEach((x, t) => {
        if (x !== null) expect(Math.abs(x - sa[i][t]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(x)));
      }),
    );
  });

  const expectRefused = (r: { code: number; stderr: string }, pattern: RegExp) => {
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
  };

  it('bad input: one line, exit 2', async () => {
    const grads = (a: string) =>
      cod(['engine', 'grads', '--model', model, '--adapter', a, '--batch', batch, '--out', join(dir, 'g.safetensors')]);
    const init = (extra: string[]) =>
      cod(['lora', 'init', '--model', model, '--alpha', '8', '--seed', '1', '--out', join(dir, 'x'), ...extra]);
    expectRefused(await init(['--rank', '0', '--targets', 'q_proj']), /rank must be a positive integer, got 0/);
    expectRefused(await init(['--rank=-2', '--targets', 'q_proj']), /rank must be a positive integer/);
    expectRefused(await init(['--rank', '4', '--targets', 'q_proj,qkv_proj']), /unknown LoRA target module 'qkv_proj'/);
    // An adapter made for another base (hidden size 64, not 48).
    const other = join(dir, 'other');
    await saveCheckpoint(
      other,
      { ...c.config, hiddenSize: 64, headDim: 16 },
      initWeights({ ...c.config, hiddenSize: 64, headDim: 16 }, 1),
    );
    const otherAdapter = join(dir, 'other-adapter');
    ok(
      await cod([
        'lora',
        'init',
        '--model',
        other,
        '--rank',
        '4',
        '--alpha',
        '8',
        '--targets',
        'q_proj',
        '--seed',
        '1',
        '--out',
        otherAdapter,
      ]),
    );
    expectRefused(await grads(otherAdapter), /shape \[4, 64\] but this model needs \[4, 48\]/);
    // A truncated adapter file.
    const cut = join(dir, 'cut');
    ok(
      await cod([
        'lora',
        'init',
        '--model',
        model,
        '--rank',
        '4',
        '--alpha',
        '8',
        '--targets',
        'q_proj',
        '--seed',
        '1',
        '--out',
        cut,
      ]),
    );
    const f = join(cut, 'adapter_model.safetensors');
    truncateSync(f, statSync(f).size - 100);
    expectRefused(await grads(cut), /adapter_model\.safetensors.*(out of range|truncated)/);
  });
});

describe('sampling with an adapter', () => {
  it('cod generate --adapter (base frozen in the decode graphs) = the merged model: same tokens, log-probs within 1e-4', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cod-lora-gen-'));
    const model = join(dir, 'model');
    ok(await cod(['model', 'init', '--preset', 'tiny', '--seed', '5', '--dtype', 'bf16', '--out', model]));
    const adapter = join(dir, 'adapter');
    ok(
      await cod([
        ...['lora', 'init', '--model', model, '--rank', '4', '--alpha', '16', '--targets', 'all-linear'],
        ...['--seed', '3', '--init', 'random', '--out', adapter],
      ]),
    );
    const merged = join(dir, 'merged');
    ok(await cod(['lora', 'merge', '--model', model, '--adapter', adapter, '--out', merged]));
    const gen = async (args: string[]) => {
      const r = await cod([
        'generate',
        '--prompt',
        'hello world',
        '--n',
        '2',
        '--max-new-tokens',
        '12',
        '--json',
        ...args,
      ]);
      ok(r);
      return JSON.parse(r.stdout).samples as Array<{ token_ids: number[]; logprobs: number[] }>;
    };
    const a = await gen(['--model', model, '--adapter', adapter, '--seed', '9']);
    const b = await gen(['--model', merged, '--seed', '9']);
    const base = await gen(['--model', model, '--seed', '9']);
    expect(a.map((s) => s.token_ids)).toEqual(b.map((s) => s.token_ids));
    a.forEach((s, i) => s.logprobs.forEach((x, t) => expect(Math.abs(x - b[i].logprobs[t])).toBeLessThan(1e-4)));
    // The adapter changes the model (its B is random), so the base samples differently or with other log-probs.
    expect(JSON.stringify(base)).not.toEqual(JSON.stringify(a));
  });
});
