import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { main } from '../../../main/cli/index.ts';
import { readCheckpointWeights } from '../../../main/models/checkpoint-files.ts';
import { toHfConfig } from '../../../main/models/config.ts';
import { codHome, findModel, importModel, listModels, validateCheckpointDir } from '../../../main/models/import.ts';
import { fromFloat32 } from '../../../main/models/safetensors.ts';
import { randomWeights, tinyConfig, writeTinyCheckpoint, writeWeights } from '../../fixtures/models/hf-checkpoint.ts';
import { tempDir } from '../../support/temp.ts';

const tmp = (): string => tempDir('imp');
const editJson = (path: string, f: (o: Record<string, unknown>) => Record<string, unknown>): void =>
  writeFileSync(path, JSON.stringify(f(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>)));

async function rejection(p: Promise<unknown>): Promise<CodError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CodError);
  return e as CodError;
}

describe('validateCheckpointDir', () => {
  for (const [architecture, shards, tie] of [
    ['llama', 1, false],
    ['qwen2', 3, true],
    ['qwen3', 2, false],
  ] as const) {
    it(`accepts a ${architecture} checkpoint (${shards} shard(s), tied=${tie})`, async () => {
      const dir = join(tmp(), architecture);
      const { config } = await writeTinyCheckpoint(dir, { architecture, shards, tie, bf16: architecture === 'qwen3' });
      const s = await validateCheckpointDir(dir);
      expect(s.config).toEqual({ ...config, torchDtype: 'float32' });
      expect(s.weightFiles).toHaveLength(shards);
      expect(s.hasChatTemplate).toBe(true);
      expect(s.dtypes).toEqual([architecture === 'qwen3' ? 'BF16' : 'F32']);
      const params = [...(await readCheckpointWeights(dir)).values()].reduce(
        (a, t) => a + t.shape.reduce((x, y) => x * y, 1),
        0,
      );
      expect(s.parameterCount).toBe(params);
    });
  }

  describe('rejects, naming the file or tensor', () => {
    let dir: string;
    beforeEach(async () => {
      dir = join(tmp(), 'ck');
      await writeTinyCheckpoint(dir, { architecture: 'qwen2' });
    });

    it('a missing directory', async () => {
      const e = await rejection(validateCheckpointDir(join(dir, 'nope')));
      expect([e.code, e.message]).toEqual(['not_found', `${join(dir, 'nope')}: model directory not found`]);
    });
    it('a missing config.json', async () => {
      rmSync(join(dir, 'config.json'));
      expect((await rejection(validateCheckpointDir(dir))).message).toBe(
        `${join(dir, 'config.json')}: config file not found`,
      );
    });
    it('missing weights', async () => {
      rmSync(join(dir, 'model.safetensors'));
      expect((await rejection(validateCheckpointDir(dir))).message).toContain(`${dir}: no weights`);
    });
    it('a missing tokenizer.json', async () => {
      rmSync(join(dir, 'tokenizer.json'));
      expect((await rejection(validateCheckpointDir(dir))).message).toBe(
        `${join(dir, 'tokenizer.json')}: tokenizer file not found`,
      );
    });
    it("an unsupported architecture ('gpt2')", async () => {
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({ ...toHfConfig(tinyConfig('qwen2')), model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }),
      );
      const e = await rejection(validateCheckpointDir(dir));
      expect(e.code).toBe('unsupported');
      expect(e.message).toBe(
        `${join(dir, 'config.json')}: model_type: model type 'gpt2' is not supported (supported: llama, qwen2, qwen3)`,
      );
    });
    it('a tensor of the wrong shape', async () => {
      const tensors = randomWeights(tinyConfig('qwen2')).map((t) =>
        t.name === 'model.layers.1.mlp.gate_proj.weight' ? fromFloat32(t.name, [24, 8], new Float32Array(24 * 8)) : t,
      );
      await writeWeights(dir, tensors);
      const e = await rejection(validateCheckpointDir(dir));
      expect(e.message).toBe(
        `${join(dir, 'model.safetensors')}: tensor 'model.layers.1.mlp.gate_proj.weight' has shape [24, 8], config.json implies [24, 16]`,
      );
    });
    it('a missing tensor (q/k/v bias of a qwen2)', async () => {
      await writeWeights(dir, randomWeights({ ...tinyConfig('qwen2'), attentionBias: false }));
      expect((await rejection(validateCheckpointDir(dir))).message).toContain(
        "missing tensor 'model.layers.0.self_attn.q_proj.bias'",
      );
    });
    it('weights of another architecture (qwen3 weights, qwen2 config)', async () => {
      await writeWeights(dir, randomWeights({ ...tinyConfig('qwen2'), qkNorm: true }));
      expect((await rejection(validateCheckpointDir(dir))).message).toContain(
        "unexpected tensor 'model.layers.0.self_attn.q_norm.weight'",
      );
    });
    it('a tokenizer larger than the embedding', async () => {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...toHfConfig(tinyConfig('qwen2')), vocab_size: 100 }));
      await writeWeights(dir, randomWeights({ ...tinyConfig('qwen2'), vocabSize: 100 }));
      expect((await rejection(validateCheckpointDir(dir))).message).toMatch(
        /tokenizer\.json: tokenizer has \d+ token ids but config\.json vocab_size is 100/,
      );
    });
    it('a corrupt shard', async () => {
      writeFileSync(join(dir, 'model.safetensors'), new Uint8Array(4));
      expect((await rejection(validateCheckpointDir(dir))).message).toContain('model.safetensors: file is 4 bytes');
    });
    it('a chat template that parses but fails to render', async () => {
      const cfgPath = join(dir, 'tokenizer_config.json');
      const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(cfgPath, JSON.stringify({ ...cfg, chat_template: "{{ raise_exception('no chats') }}" }));
      expect((await rejection(validateCheckpointDir(dir))).message).toContain(
        'tokenizer_config.json: chat template failed to render: no chats',
      );
    });
    it('a chat template that does not parse', async () => {
      const cfgPath = join(dir, 'tokenizer_config.json');
      const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(cfgPath, JSON.stringify({ ...cfg, chat_template: '{% for %}' }));
      expect((await rejection(validateCheckpointDir(dir))).message).toContain(
        'tokenizer_config.json: chat template does not parse',
      );
    });
  });
});

describe('importModel and the registry', () => {
  it('registers by reference, refuses a duplicate name, replaces with force, copies with copy', async () => {
    const home = tmp();
    const dir = join(tmp(), 'tiny-qwen3');
    await writeTinyCheckpoint(dir, { architecture: 'qwen3', shards: 2 });

    const ref = await importModel(dir, { home });
    expect(ref).toMatchObject({ name: 'tiny-qwen3', mode: 'reference', path: dir, source: dir, architecture: 'qwen3' });
    expect(await listModels(home)).toEqual([ref]);
    const onDisk = JSON.parse(readFileSync(join(home, 'models', 'models.json'), 'utf8')) as { models: unknown[] };
    expect(onDisk.models).toEqual([JSON.parse(JSON.stringify(ref))]);

    const dup = await rejection(importModel(dir, { home }));
    expect([dup.code, dup.message]).toEqual([
      'conflict',
      "--name: a model named 'tiny-qwen3' is already registered (use --force to replace it)",
    ]);

    const copied = await importModel(dir, { home, force: true, copy: true });
    expect(copied.path).toBe(join(home, 'models', 'tiny-qwen3'));
    expect((await listModels(home)).map((m) => m.mode)).toEqual(['copy']);
    // The copy is a complete checkpoint on its own: it validates and holds the same weights.
    expect((await validateCheckpointDir(copied.path)).config).toEqual(copied.config);
    const a = await readCheckpointWeights(dir);
    const b = await readCheckpointWeights(copied.path);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    expect(Array.from(b.get('model.norm.weight')!.data)).toEqual(Array.from(a.get('model.norm.weight')!.data));

    await importModel(dir, { home, name: 'second' });
    expect((await listModels(home)).map((m) => m.name)).toEqual(['tiny-qwen3', 'second']);
    expect((await findModel('second', home)).path).toBe(dir);
    expect((await rejection(findModel('third', home))).code).toBe('not_found');

    // Back to a reference: the registry's own copy is removed.
    await importModel(dir, { home, force: true });
    expect(existsSync(join(home, 'models', 'tiny-qwen3'))).toBe(false);
  });

  it('rejects bad names and does not register a failed import', async () => {
    const home = tmp();
    const dir = join(tmp(), 'ck');
    await writeTinyCheckpoint(dir, { architecture: 'llama' });
    expect((await rejection(importModel(dir, { home, name: '../evil' }))).where).toBe('--name');
    rmSync(join(dir, 'tokenizer.json'));
    await rejection(importModel(dir, { home }));
    expect(await listModels(home)).toEqual([]);
  });

  it('reports a corrupt registry file', async () => {
    const home = tmp();
    const dir = join(tmp(), 'ck');
    await writeTinyCheckpoint(dir, { architecture: 'llama' });
    await importModel(dir, { home });
    writeFileSync(join(home, 'models', 'models.json'), '{"models": 3}');
    expect((await rejection(listModels(home))).message).toContain('models.json: missing "models" list');
  });
});

describe('cod model import', () => {
  let home: string;
  let out: string[];
  let err: string[];
  beforeEach(() => {
    home = tmp();
    vi.stubEnv('COD_HOME', home);
    out = [];
    err = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('imports into $COD_HOME and prints a summary', async () => {
    const dir = join(tmp(), 'ck');
    await writeTinyCheckpoint(dir, { architecture: 'qwen2', tie: true });
    expect(codHome()).toBe(home);
    expect(await main(['model', 'import', dir, '--name', 'tiny'])).toBe(0);
    expect(out.join('\n')).toMatch(/imported 'tiny': qwen2, [\d,]+ parameters \(F32\), 2 layers, hidden 16, vocab 320/);
    expect((await listModels(home)).map((m) => m.name)).toEqual(['tiny']);
  });

  it('prints one clear error line, no stack, for a bad checkpoint', async () => {
    const dir = join(tmp(), 'ck');
    await writeTinyCheckpoint(dir, { architecture: 'llama' });
    rmSync(join(dir, 'config.json'));
    expect(await main(['model', 'import', dir])).toBe(2);
    expect(err).toEqual([`cod: error: ${join(dir, 'config.json')}: config file not found`]);
    expect(await main(['model', 'import'])).toBe(2);
    expect(err[1]).toBe('cod: error: expected one checkpoint directory, got 0');
  });

  it('one clear line naming the file for each kind of bad checkpoint', async () => {
    const cases: Array<[string, (dir: string) => void, string]> = [
      ['missing tokenizer', (d) => rmSync(join(d, 'tokenizer.json')), 'tokenizer.json: tokenizer file not found'],
      ['missing weights', (d) => rmSync(join(d, 'model.safetensors')), 'no weights'],
      [
        'unsupported architecture',
        (d) => editJson(join(d, 'config.json'), (o) => ({ ...o, model_type: 'gpt2' })),
        "config.json: model_type: model type 'gpt2' is not supported",
      ],
      [
        'template that fails to render',
        (d) =>
          editJson(join(d, 'tokenizer_config.json'), (o) => ({ ...o, chat_template: "{{ raise_exception('nope') }}" })),
        'tokenizer_config.json: chat template failed to render: nope',
      ],
    ];
    for (const [label, edit, message] of cases) {
      const dir = join(tmp(), 'ck');
      await writeTinyCheckpoint(dir, { architecture: 'qwen3' });
      edit(dir);
      err.length = 0;
      expect(await main(['model', 'import', dir]), label).toBe(2);
      expect(err, label).toHaveLength(1);
      expect(err[0], label).toMatch(/^cod: error: /);
      expect(err[0], label).toContain(message);
    }
    expect(await listModels(home)).toEqual([]);
  });
});
