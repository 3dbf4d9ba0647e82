import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { trainByteLevelBpe } from '../../../main/models/tokenizer/bpe-trainer.ts';
import {
  BUILTIN_SPECIAL_TOKENS,
  builtinTokenizerConfig,
  writeTokenizerFiles,
} from '../../../main/models/tokenizer/builtin.ts';
import { loadTokenizer, tokenizerFromJson } from '../../../main/models/tokenizer/tokenizer.ts';
import { tempDir } from '../../support/temp.ts';

/** A deterministic pseudo-English corpus (mulberry32), with digits, punctuation, newlines and some non-ASCII. */
function corpus(sentences: number, seed = 7): string {
  let s = seed;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const words = [
    'the',
    'agent',
    'moves',
    'north',
    'to',
    'a',
    'goal',
    'hint',
    'café',
    'über',
    'grid',
    'key',
    'door',
    'reward',
    'is',
    'not',
    'known',
    'yet',
    'answer',
    'tile',
    '日本',
    'loop',
    "it's",
    'we',
    "don't",
  ];
  const out: string[] = [];
  for (let i = 0; i < sentences; i++) {
    const n = 3 + Math.floor(rand() * 9);
    const ws = Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]);
    if (rand() < 0.3) ws.push(String(Math.floor(rand() * 1000)));
    out.push(ws.join(' ') + (rand() < 0.2 ? '!\n' : '. '));
  }
  return out.join('');
}

function trained(vocabSize: number, text = corpus(3000)) {
  const r = trainByteLevelBpe([text], { vocabSize, specialTokens: BUILTIN_SPECIAL_TOKENS });
  const tok = tokenizerFromJson(r.tokenizerJson, builtinTokenizerConfig(r.tokenizerJson), 'trained');
  return { r, tok };
}

/** Textbook BPE (recount every pair each step; same tie-break) as an independent reference for the trainer. */
function naiveMerges(words: Map<string, number>, specials: number, steps: number): string[] {
  const pre = trainByteLevelBpe([''], { vocabSize: specials + 256, specialTokens: BUILTIN_SPECIAL_TOKENS });
  const tokens = Object.entries(pre.tokenizerJson.model.vocab)
    .sort((a, b) => a[1] - b[1])
    .map(([t]) => t);
  const enc = new TextEncoder();
  const seqs = [...words].map(([w, f]) => ({ ids: Array.from(enc.encode(w), (b) => specials + b), f }));
  const merges: string[] = [];
  for (let step = 0; step < steps; step++) {
    const counts = new Map<string, number>();
    for (const { ids, f } of seqs)
      for (let i = 0; i + 1 < ids.length; i++) {
        const k = `${ids[i]},${ids[i + 1]}`;
        counts.set(k, (counts.get(k) ?? 0) + f);
      }
    let best: [number, number, number] | undefined;
    for (const [k, c] of counts) {
      const [a, b] = k.split(',').map(Number);
      if (!best || c > best[2] || (c === best[2] && (a < best[0] || (a === best[0] && b < best[1])))) best = [a, b, c];
    }
    if (!best || best[2] < 2) break;
    const [a, b] = best;
    const merged = tokens[a] + tokens[b];
    let id = tokens.indexOf(merged);
    if (id < 0) id = tokens.push(merged) - 1;
    merges.push(`${tokens[a]} ${tokens[b]}`);
    for (const s of seqs) {
      const next: number[] = [];
      for (let i = 0; i < s.ids.length; i++) {
        if (i + 1 < s.ids.length && s.ids[i] === a && s.ids[i + 1] === b) {
          next.push(id);
          i++;
        } else next.push(s.ids[i]);
      }
      s.ids = next;
    }
  }
  return merges;
}

describe('byte-level BPE trainer', () => {
  it('is deterministic and lays out specials, bytes, merges', () => {
    const a = trained(600).r;
    const b = trained(600).r;
    expect(JSON.stringify(a.tokenizerJson)).toBe(JSON.stringify(b.tokenizerJson));
    expect(a.vocabSize).toBe(600);
    expect(a.tokenizerJson.added_tokens.map((t) => [t.id, t.content, t.special])).toEqual(
      BUILTIN_SPECIAL_TOKENS.map((s, i) => [i, s, true]),
    );
    const vocab = a.tokenizerJson.model.vocab;
    expect(Object.keys(vocab)).toHaveLength(600);
    expect(vocab['Ġ']).toBe(4 + 0x20); // the space byte
    expect(new Set(Object.values(vocab)).size).toBe(600);
  });

  it('learns the same merges as textbook BPE', () => {
    // Small word-frequency table including a repeated-symbol word (overlapping pairs) and a spelling collision.
    const text = 'aaaa aaaa aaa abab abab abc abc bcab bcab bca the the then then them ' + corpus(200, 3);
    const r = trainByteLevelBpe([text], { vocabSize: 4 + 256 + 150, specialTokens: BUILTIN_SPECIAL_TOKENS });
    const pre = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
    const words = new Map<string, number>();
    for (const m of text.matchAll(pre)) words.set(m[0], (words.get(m[0]) ?? 0) + 1);
    expect(r.tokenizerJson.model.merges).toEqual(naiveMerges(words, 4, 150));
  });

  it('cuts special tokens out of the corpus and stops when pairs run out', () => {
    const r = trainByteLevelBpe(['ab<|endoftext|>ab<|endoftext|>ab'], {
      vocabSize: 1000,
      specialTokens: BUILTIN_SPECIAL_TOKENS,
    });
    // Only "ab" (3 times) is mergeable; "b<" never forms because specials are cut out first.
    expect(r.tokenizerJson.model.merges).toEqual(['a b']);
    expect(r.vocabSize).toBe(4 + 256 + 1);
  });

  it('rejects a vocab size below specials + 256 bytes', () => {
    expect(() => trainByteLevelBpe(['x'], { vocabSize: 100, specialTokens: BUILTIN_SPECIAL_TOKENS })).toThrow(
      /vocab-size: must be an integer in \[260/,
    );
  });

  it('compresses its corpus: merges learned are used when encoding', () => {
    const text = corpus(3000);
    const { tok } = trained(1024, text);
    const ids = tok.encode(text);
    expect(new TextEncoder().encode(text).length / ids.length).toBeGreaterThan(3);
    expect(tok.decode(ids)).toBe(text);
  });
});

describe('trained tokenizer through @huggingface/tokenizers', () => {
  const { r, tok } = trained(800);

  it('round-trips any Unicode text exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => tok.decode(tok.encode(s)) === s),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (s) => tok.decode(tok.encode(s)) === s),
      { numRuns: 200 },
    );
  });

  it('round-trips text with special tokens and whitespace runs mixed in', () => {
    const piece = fc.oneof(
      fc.constantFrom(...BUILTIN_SPECIAL_TOKENS, ' ', '\n', '\n\n', '  ', '\t', "'s", '<|', '|>', ' the'),
      fc.string({ unit: 'binary-ascii', maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const s = parts.join('');
        return tok.decode(tok.encode(s)) === s;
      }),
      { numRuns: 400 },
    );
  });

  it('encodes special tokens as single ids and exposes them', () => {
    const ids = tok.encode('<|im_start|>user\nhi<|im_end|>');
    expect(ids[0]).toBe(1);
    expect(ids[ids.length - 1]).toBe(2);
    expect([...tok.specialTokens]).toEqual(BUILTIN_SPECIAL_TOKENS.map((s, i) => [s, i]));
    expect([tok.eosTokenId, tok.padTokenId, tok.bosTokenId]).toEqual([2, 3, undefined]);
    expect(tok.isSpecial(2) && !tok.isSpecial(100)).toBe(true);
    expect(tok.idToToken(4 + 0x20)).toBe('Ġ');
    expect(tok.tokenToId('<|pad|>')).toBe(3);
    expect(tok.vocabSize).toBe(r.vocabSize);
    expect(r.vocabSize).toBeGreaterThan(600);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('user\nhi');
    expect(tok.decode([])).toBe('');
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([5, r.vocabSize])).toThrow(CodError);
    expect(() => tok.decode([-1])).toThrow(/token id -1 is not in the vocabulary/);
  });
});

describe('tokenizer files', () => {
  it('writes tokenizer.json + tokenizer_config.json that load back identically', async () => {
    const { r, tok } = trained(700);
    const dir = join(tempDir('tok'), 'out');
    await writeTokenizerFiles(dir, r.tokenizerJson, builtinTokenizerConfig(r.tokenizerJson));
    const loaded = await loadTokenizer(dir);
    const text = corpus(50, 99) + '<|im_end|> ünïcödé 🤗';
    expect(loaded.encode(text)).toEqual(tok.encode(text));
    const cfg = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    expect(cfg).toMatchObject({ eos_token: '<|im_end|>', pad_token: '<|pad|>', clean_up_tokenization_spaces: false });
    expect(typeof cfg.chat_template).toBe('string');
  });

  it('loads a Qwen2-style tokenizer.json (Split regex + ByteLevel without regex) with added tokens after the vocab', () => {
    const { r } = trained(500);
    const json = structuredClone(r.tokenizerJson) as unknown as Record<string, unknown>;
    const qwenRegex =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    json.pre_tokenizer = {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: qwenRegex }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    };
    // Move the specials to the end of the id space, as Qwen does.
    const model = json.model as { vocab: Record<string, number> };
    const vocab: Record<string, number> = {};
    for (const [t, id] of Object.entries(model.vocab)) if (id >= 4) vocab[t] = id - 4;
    model.vocab = vocab;
    json.added_tokens = BUILTIN_SPECIAL_TOKENS.map((content, i) => ({
      id: 496 + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
    const tok = tokenizerFromJson(
      json,
      { eos_token: '<|im_end|>', bos_token: null, pad_token: { content: '<|endoftext|>' } },
      'q',
    );
    expect([tok.vocabSize, tok.eosTokenId, tok.padTokenId]).toEqual([500, 498, 496]);
    const s = 'Hello 123 worlds!\n\n  <|im_start|>x';
    expect(tok.decode(tok.encode(s))).toBe(s);
    expect(tok.encode('123').length).toBe(3); // Qwen splits digits one by one
  });

  it('reports missing, malformed and unloadable tokenizer files clearly', async () => {
    const dir = tempDir('tok');
    await expect(loadTokenizer(dir)).rejects.toThrow(`${join(dir, 'tokenizer.json')}: tokenizer file not found`);
    writeFileSync(join(dir, 'tokenizer.json'), '{ nope');
    await expect(loadTokenizer(dir)).rejects.toThrow(/tokenizer\.json: not valid JSON/);
    writeFileSync(
      join(dir, 'tokenizer.json'),
      JSON.stringify({
        model: { type: 'Mystery' },
        decoder: null,
        post_processor: null,
        pre_tokenizer: null,
        normalizer: null,
      }),
    );
    await expect(loadTokenizer(dir)).rejects.toThrow(/tokenizer\.json: cannot load tokenizer: /);
    const { r } = trained(300);
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(r.tokenizerJson));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|nope|>' }));
    await expect(loadTokenizer(dir)).rejects.toThrow(/eos_token '<\|nope\|>' is not in the vocabulary/);
  });
});

/**
 * Optional cross-check against the reference Rust implementation (HF `tokenizers` for Python), which is not a
 * project dependency: set COD_HF_PYTHON to a python that can `import tokenizers` to run it.
 */
const HF_PYTHON = process.env.COD_HF_PYTHON;
const hasHfTokenizers =
  HF_PYTHON !== undefined && spawnSync(HF_PYTHON, ['-c', 'import tokenizers'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasHfTokenizers)('trained tokenizer.json in HF tokenizers (Rust)', () => {
  it('loads and encodes exactly as @huggingface/tokenizers does', async () => {
    const text = corpus(2000, 11) + ' ünïcödé 🤗 日本語\r\n\t<|im_start|>x<|im_end|>  end  ';
    const { r, tok } = trained(900);
    const dir = tempDir('tok-rust');
    await writeTokenizerFiles(dir, r.tokenizerJson, builtinTokenizerConfig(r.tokenizerJson));
    writeFileSync(join(dir, 'text.txt'), text);
    const script = `
import json, sys
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1] + '/tokenizer.json')
text = open(sys.argv[1] + '/text.txt', encoding='utf8', newline='').read()
ids = tok.encode(text, add_special_tokens=False).ids
print(json.dumps({'ids': ids, 'roundtrip': tok.decode(ids, skip_special_tokens=False) == text}))
`;
    const p = spawnSync(HF_PYTHON as string, ['-c', script, dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(p.status, p.stderr).toBe(0);
    const rust = JSON.parse(p.stdout) as { ids: number[]; roundtrip: boolean };
    expect(rust.roundtrip).toBe(true);
    expect(rust.ids).toEqual(tok.encode(text));
  });
});
