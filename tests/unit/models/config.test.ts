import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHfConfig, readConfigFile, toHfConfig, type ModelConfig } from '../../../main/models/config.ts';
import { tempDir } from '../../support/temp.ts';
import { codError } from '../../support/errors.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/models/configs');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

describe('parseHfConfig on published configs', () => {
  it('Qwen2.5-0.5B: GQA, tied, q/k/v biases, no qk-norm', () => {
    const c = parseHfConfig(fixture('qwen2.5-0.5b-instruct.json'), 'config.json');
    expect(c).toEqual<ModelConfig>({
      architecture: 'qwen2',
      vocabSize: 151936,
      hiddenSize: 896,
      intermediateSize: 4864,
      numLayers: 24,
      numHeads: 14,
      numKvHeads: 2,
      headDim: 64,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      maxPositionEmbeddings: 32768,
      tieWordEmbeddings: true,
      qkNorm: false,
      attentionBias: true,
      bosTokenId: 151643,
      eosTokenId: [151645],
      torchDtype: 'bfloat16',
    });
  });

  it('Qwen3-0.6B: explicit head_dim different from hidden/heads, qk-norm', () => {
    const c = parseHfConfig(fixture('qwen3-0.6b.json'), 'config.json');
    expect([c.architecture, c.headDim, c.hiddenSize / c.numHeads, c.qkNorm, c.attentionBias]).toEqual([
      'qwen3',
      128,
      64,
      true,
      false,
    ]);
    expect(c.ropeScaling).toBeUndefined();
  });

  it('Llama-3.2-1B: eos list and llama3 rope scaling', () => {
    const c = parseHfConfig(fixture('llama-3.2-1b.json'), 'config.json');
    expect(c.eosTokenId).toEqual([128001, 128008, 128009]);
    expect(c.rmsNormEps).toBe(1e-5);
    expect(c.ropeScaling).toEqual({
      type: 'llama3',
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
  });

  it('applies the family defaults for omitted fields', () => {
    const minimal = {
      model_type: 'llama',
      vocab_size: 100,
      hidden_size: 64,
      intermediate_size: 128,
      num_hidden_layers: 2,
      num_attention_heads: 4,
    };
    const c = parseHfConfig(minimal, 'c');
    expect([c.numKvHeads, c.headDim, c.rmsNormEps, c.ropeTheta, c.maxPositionEmbeddings, c.tieWordEmbeddings]).toEqual([
      4,
      16,
      1e-6,
      10000,
      2048,
      false,
    ]);
    expect(parseHfConfig({ ...minimal, model_type: 'qwen3' }, 'c').headDim).toBe(128);
    expect(parseHfConfig({ ...minimal, rope_parameters: { rope_theta: 5e5 } }, 'c').ropeTheta).toBe(5e5);
  });
});

describe('parseHfConfig errors name the file and field', () => {
  const base = fixture('qwen2.5-0.5b-instruct.json');
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['missing field', { ...base, hidden_size: undefined }, 'bad_config', 'cfg.json: hidden_size: '],
    ['wrong type', { ...base, num_hidden_layers: '24' }, 'bad_config', 'cfg.json: num_hidden_layers: '],
    ['negative', { ...base, vocab_size: -5 }, 'bad_config', 'cfg.json: vocab_size: '],
    [
      'gpt2',
      { ...base, model_type: 'gpt2' },
      'unsupported',
      "cfg.json: model_type: model type 'gpt2' is not supported",
    ],
    ['class mismatch', { ...base, architectures: ['LlamaForCausalLM'] }, 'unsupported', 'cfg.json: architectures: '],
    ['kv heads', { ...base, num_key_value_heads: 3 }, 'bad_config', 'cfg.json: num_key_value_heads: 3 does not divide'],
    [
      'heads',
      { ...base, num_attention_heads: 5, num_key_value_heads: 5 },
      'bad_config',
      'cfg.json: num_attention_heads:',
    ],
    ['eos outside vocab', { ...base, eos_token_id: 999999 }, 'bad_config', 'cfg.json: eos_token_id: token id 999999'],
    ['gelu', { ...base, hidden_act: 'gelu' }, 'unsupported', 'cfg.json: hidden_act:'],
    ['sliding', { ...base, use_sliding_window: true }, 'unsupported', 'cfg.json: use_sliding_window:'],
    [
      'yarn',
      { ...base, rope_scaling: { rope_type: 'yarn', factor: 4 } },
      'unsupported',
      'cfg.json: rope_scaling.rope_type:',
    ],
    [
      'llama3 incomplete',
      { ...base, rope_scaling: { rope_type: 'llama3', factor: 4 } },
      'bad_config',
      'rope_scaling.low_freq_factor',
    ],
    [
      'llama bias',
      { ...base, model_type: 'llama', architectures: null, attention_bias: true },
      'unsupported',
      'attention_bias',
    ],
  ];
  for (const [label, json, code, msg] of cases) {
    it(label, () => {
      const e = codError(() => parseHfConfig(json, 'cfg.json'));
      expect(e.code).toBe(code);
      expect(e.message).toContain(msg);
    });
  }
  it('rejects a non-object', () =>
    expect(codError(() => parseHfConfig([1], 'cfg.json')).message).toContain('cfg.json'));
});

describe('toHfConfig', () => {
  for (const name of ['qwen2.5-0.5b-instruct.json', 'qwen3-0.6b.json', 'llama-3.2-1b.json']) {
    it(`round-trips ${name} through HF form`, () => {
      const c = parseHfConfig(fixture(name), 'a');
      const hf = toHfConfig(c);
      expect(parseHfConfig(JSON.parse(JSON.stringify(hf)), 'b')).toEqual(c);
      expect(hf.architectures).toEqual(fixture(name).architectures);
    });
  }
  it('writes the fields HF transformers reads for each family', () => {
    const c = parseHfConfig(fixture('qwen3-0.6b.json'), 'a');
    const hf = toHfConfig(c);
    expect(hf).toMatchObject({ model_type: 'qwen3', head_dim: 128, attention_bias: false, use_sliding_window: false });
    expect(hf.eos_token_id).toBe(151645);
  });
  it('rejects flags HF cannot express', () => {
    const c = parseHfConfig(fixture('qwen3-0.6b.json'), 'a');
    expect(codError(() => toHfConfig({ ...c, qkNorm: false })).where).toBe('qkNorm');
    expect(codError(() => toHfConfig({ ...c, attentionBias: true })).where).toBe('attentionBias');
  });
});

describe('readConfigFile', () => {
  it('reads a file, and reports a missing file or bad JSON with its path', async () => {
    const dir = tempDir('cfg');
    writeFileSync(join(dir, 'config.json'), JSON.stringify(fixture('qwen3-0.6b.json')));
    expect((await readConfigFile(join(dir, 'config.json'))).architecture).toBe('qwen3');
    await expect(readConfigFile(join(dir, 'nope.json'))).rejects.toThrow(
      `${join(dir, 'nope.json')}: config file not found`,
    );
    writeFileSync(join(dir, 'bad.json'), '{"model_type": ');
    await expect(readConfigFile(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: not valid JSON/);
  });
});
