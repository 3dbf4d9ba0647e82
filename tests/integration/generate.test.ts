/**
 * `cod generate` and `cod model score` end to end through the real CLI on a `cod model init` checkpoint with a
 * built-in (trained byte-level BPE, ChatML) tokenizer written into it: the generated log-probs equal what
 * `cod model score` computes for prompt+generated, seeds reproduce, the chat path stops at <|im_end|>, and bad
 * input is one clean error line. Also ModelPolicy on the same checkpoint.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelPolicy } from '../../main/training/model-policy.ts';
import { loadChatRenderer } from '../../main/models/chat-template/source.ts';
import { loadCheckpoint } from '../../main/models/checkpoint.ts';
import { Sampler } from '../../main/models/sampler/sampler.ts';
import { cod } from '../support/cod.ts';
import { tempDir } from '../support/temp.ts';
import { tinyModels, wordCorpus } from '../support/models.ts';

let dir: string;
let model: string;

interface Sample {
  text: string;
  prompt_ids: number[];
  token_ids: number[];
  logprobs: number[];
}

beforeAll(async () => {
  dir = tempDir('gen');
  model = join(dir, 'model');
  // A varied corpus so the tokenizer reaches exactly the model's 512 ids (every sampled id must decode).
  await tinyModels([[model, 11]], wordCorpus(12345, 'The quick brown fox <answer>42</answer> hints: keep notes. '));
});

describe('cod generate / cod model score', () => {
  it('samples are reproducible and their log-probs equal cod model score', async () => {
    const args = ['generate', '--model', model, '--prompt', 'The quick fox', '--n', '3', '--seed', '5'];
    const r = await cod([...args, '--max-new-tokens', '12', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { samples } = JSON.parse(r.stdout) as { samples: Sample[] };
    expect(samples).toHaveLength(3);
    for (const s of samples) {
      expect(s.token_ids).toHaveLength(12);
      expect(s.logprobs).toHaveLength(12);
      expect(typeof s.text).toBe('string');
    }
    expect(samples[1].token_ids).not.toEqual(samples[0].token_ids);
    const again = JSON.parse((await cod([...args, '--max-new-tokens', '12', '--json'])).stdout) as {
      samples: Sample[];
    };
    expect(again.samples.map((s) => s.token_ids)).toEqual(samples.map((s) => s.token_ids));

    const sequences = samples.map((s) => [...s.prompt_ids, ...s.token_ids]);
    const batch = join(dir, 'batch.json');
    writeFileSync(batch, JSON.stringify({ sequences, loss_mask: sequences.map((q) => q.map(() => 1)) }));
    const sc = await cod(['model', 'score', '--model', model, '--batch', batch, '--json']);
    expect(sc.code).toBe(0);
    const { logprobs } = JSON.parse(sc.stdout) as { logprobs: Array<Array<number | null>> };
    expect(logprobs[0][0]).toBeNull();
    samples.forEach((s, i) => {
      const scored = logprobs[i].slice(s.prompt_ids.length) as number[];
      s.logprobs.forEach((x, t) => expect(Math.abs(x - scored[t])).toBeLessThanOrEqual(1e-4));
    });
  });

  it('--chat renders the chat template', async () => {
    const chat = join(dir, 'chat.json');
    writeFileSync(chat, JSON.stringify([{ role: 'user', content: 'hints: keep notes' }]));
    const r = await cod(['generate', '--model', model, '--chat', chat, '--max-new-tokens', '5', '--json']);
    expect(r.code).toBe(0);
    const [s] = (JSON.parse(r.stdout) as { samples: Sample[] }).samples;
    // <|im_start|> (id 1) opens the user turn and the generation prompt.
    expect(s.prompt_ids[0]).toBe(1);
    expect(s.prompt_ids.filter((id) => id === 1)).toHaveLength(2);
  });

  it('bad input: one clean error line', async () => {
    const long = 'The quick brown fox jumps. '.repeat(800);
    for (const [args, pattern] of [
      [['generate', '--model', model, '--prompt', long], /exceeds the model's context of 4096 tokens/],
      [['generate', '--model', model], /exactly one of --prompt or --chat/],
      [['generate', '--model', model, '--prompt', 'x', '--temperature=-1'], /temperature/],
      [['model', 'score', '--model', model, '--batch', join(dir, 'none.json')], /cannot read the batch file/],
    ] as const) {
      const r = await cod([...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('a bad model directory or prompt: one clear error line naming the file or field', () => {
  /** A copy of the test model with `edit` applied. */
  const variant = (name: string, edit: (d: string) => void): string => {
    const d = join(dir, name);
    cpSync(model, d, { recursive: true });
    edit(d);
    return d;
  };
  const editJson = (path: string, f: (o: Record<string, unknown>) => Record<string, unknown>) =>
    writeFileSync(path, JSON.stringify(f(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>)));
  const oneLine = async (args: string[], pattern: RegExp) => {
    const r = await cod(args);
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  };
  const gen = (m: string, ...more: string[]) => ['generate', '--model', m, '--prompt', 'The quick fox', ...more];
  const score = (m: string) => {
    const batch = join(dir, 'small-batch.json');
    writeFileSync(batch, JSON.stringify({ sequences: [[5, 6, 7]], loss_mask: [[1, 1, 1]] }));
    return ['model', 'score', '--model', m, '--batch', batch];
  };

  it('a directory missing files', async () => {
    const noTok = variant('no-tokenizer', (d) => rmSync(join(d, 'tokenizer.json')));
    await oneLine(gen(noTok), /tokenizer\.json/);
    const noWeights = variant('no-weights', (d) => rmSync(join(d, 'model.safetensors')));
    await oneLine(gen(noWeights), /no-weights.*(safetensors|weight)/);
    await oneLine(score(noWeights), /no-weights.*(safetensors|weight)/);
    const noConfig = variant('no-config', (d) => rmSync(join(d, 'config.json')));
    await oneLine(gen(noConfig), /config\.json/);
    await oneLine(score(noConfig), /config\.json/);
    await oneLine(gen(join(dir, 'does-not-exist')), /does-not-exist: model directory not found/);
    await oneLine(score(join(dir, 'does-not-exist')), /does-not-exist: model directory not found/);
  });

  it('an unsupported architecture', async () => {
    const gpt2 = variant('gpt2', (d) =>
      editJson(join(d, 'config.json'), (o) => ({ ...o, model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] })),
    );
    await oneLine(gen(gpt2), /config\.json.*gpt2|gpt2.*config\.json/);
    await oneLine(score(gpt2), /config\.json.*gpt2|gpt2.*config\.json/);
  });

  it('a chat template that fails to render', async () => {
    const raising = variant('raising-template', (d) =>
      editJson(join(d, 'tokenizer_config.json'), (o) => ({
        ...o,
        chat_template: "{{ raise_exception('this template takes no chats') }}",
      })),
    );
    const chat = join(dir, 'chat-bad.json');
    writeFileSync(chat, JSON.stringify([{ role: 'user', content: 'hi' }]));
    await oneLine(
      ['generate', '--model', raising, '--chat', chat],
      /tokenizer_config\.json: chat template failed to render.*this template takes no chats/,
    );
  });

  it('a prompt or sequence longer than the context', async () => {
    const long = 'The quick brown fox jumps. '.repeat(800);
    await oneLine(
      gen(model).map((a) => (a === 'The quick fox' ? long : a)),
      /^cod: error: --prompt: prompt of \d+ tokens exceeds the model's context of 4096 tokens/,
    );
    const chat = join(dir, 'chat-long.json');
    writeFileSync(chat, JSON.stringify([{ role: 'user', content: long }]));
    await oneLine(
      ['generate', '--model', model, '--chat', chat],
      /--chat .*chat-long\.json: prompt of \d+ tokens exceeds the model's context of 4096/,
    );
    const batch = join(dir, 'long-batch.json');
    const seq = Array.from({ length: 4097 }, (_, t) => t % 500);
    writeFileSync(batch, JSON.stringify({ sequences: [[1, 2], seq], loss_mask: [[1, 1], seq.map(() => 1)] }));
    await oneLine(
      ['model', 'score', '--model', model, '--batch', batch],
      /sequences\[1\].*4097 tokens exceeds the model's context of 4096 tokens/,
    );
  });
});

describe('ModelPolicy', () => {
  it('renders, samples and returns text, ids, log-probs and prompt ids; stop strings are kept', async () => {
    const ckpt = await loadCheckpoint(model);
    const renderer = await loadChatRenderer(model);
    const sampler = new Sampler(ckpt.config, ckpt.weights, {
      decode: (ids) => renderer.tokenizer.decode(ids),
      threads: 1,
    });
    try {
      const policy = new ModelPolicy(sampler, renderer);
      const req = (id: string, stop: string[]) => ({
        id,
        kind: 'solve' as const,
        messages: [{ role: 'user' as const, content: 'Give the <answer>' }],
        stop,
        maxNewTokens: 30,
        lifecycleId: 'l1',
        domain: 'd',
        position: 0,
        seed: `seed-${id}`,
      });
      const [free] = await policy.respond([req('a', [])]);
      expect(free.promptIds).toEqual(renderer.renderChat(req('a', []).messages, { addGenerationPrompt: true }).ids);
      expect(free.tokenIds!.length).toBe(free.logprobs!.length);
      expect(free.tokenIds!.length).toBeGreaterThan(0);
      // Pick a stop string the free run produced, then rerun the same seed with it.
      const full = renderer.tokenizer.decode(free.tokenIds!);
      const stop = full.slice(2, 4);
      const [stopped] = await policy.respond([req('a', [stop])]);
      if (stop.length === 2 && !full.slice(0, 2).includes(stop)) {
        expect(stopped.text.endsWith(stop)).toBe(true);
        expect(stopped.truncated).toBe(false);
      }
    } finally {
      await sampler.dispose();
    }
  });
});

describe('cod model init', () => {
  it('writes the built-in tokenizer and chat template, so the directory is a complete checkpoint', async () => {
    const out = join(tempDir('init'), 'm');
    const r = await cod(['model', 'init', '--preset', 'tiny', '--seed', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/built-in tokenizer/);
    const chat = join(out, '..', 'chat.json');
    writeFileSync(chat, JSON.stringify([{ role: 'user', content: 'Hints: null' }]));
    const g = await cod(['generate', '--model', out, '--chat', chat, '--max-new-tokens', '4', '--json']);
    expect(g.stderr).toBe('');
    expect(g.code).toBe(0);
    expect((JSON.parse(g.stdout) as { samples: Sample[] }).samples[0].token_ids.length).toBeGreaterThan(0);
    const bare = join(out, '..', 'bare');
    expect((await cod(['model', 'init', '--preset', 'tiny', '--no-tokenizer', '--out', bare])).code).toBe(0);
    expect((await cod(['generate', '--model', bare, '--prompt', 'x'])).stderr).toMatch(/tokenizer/);
  });
});
