/**
 * A deterministic byte-level BPE trainer producing a standard Hugging Face `tokenizer.json` (ByteLevel
 * pre-tokenizer and decoder, BPE model with vocab + merges, added special tokens).
 *
 * Written here because @huggingface/tokenizers (the JS port) can only load and run tokenizers, not train them.
 * The pre-tokenization regex and the byte -> character table are taken from that library's ByteLevel
 * pre-tokenizer, so training splits text exactly as encoding later will.
 *
 * Algorithm: count pre-tokens ("words"), then repeatedly merge the most frequent adjacent symbol pair, updating
 * pair counts incrementally in the words that contain it (a lazy max-heap finds the best pair). Ties go to the
 * pair with the smaller (left id, right id), so the same corpus always yields the same tokenizer.
 */
import { ByteLevelPreTokenizer } from '@huggingface/tokenizers';
import { CodError } from '../../base/errors.ts';

export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The subset of the tokenizer.json schema the trainer writes (a valid file for HF tokenizers, Rust and JS). */
export interface ByteLevelBpeTokenizerJson {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: AddedTokenJson[];
  normalizer: null;
  pre_tokenizer: { type: 'ByteLevel'; add_prefix_space: false; trim_offsets: true; use_regex: true };
  post_processor: null;
  decoder: { type: 'ByteLevel'; add_prefix_space: true; trim_offsets: true; use_regex: true };
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: null;
    continuing_subword_prefix: null;
    end_of_word_suffix: null;
    fuse_unk: false;
    byte_fallback: false;
    ignore_merges: false;
    vocab: Record<string, number>;
    merges: string[];
  };
}

export interface BpeTrainOptions {
  /** Target vocabulary size, special tokens and the 256 byte symbols included. */
  vocabSize: number;
  /** Added special tokens, given ids 0..k-1 in this order. */
  specialTokens: readonly string[];
  /** Stop merging when the best pair occurs fewer times than this (default 2: a pair seen once teaches nothing). */
  minFrequency?: number;
}

export interface BpeTrainResult {
  tokenizerJson: ByteLevelBpeTokenizerJson;
  /** Final vocabulary size (smaller than asked when the corpus ran out of pairs above minFrequency). */
  vocabSize: number;
  merges: number;
  /** Pre-token occurrences and distinct pre-tokens seen in the corpus. */
  words: number;
  distinctWords: number;
}

/** Pair keys pack two ids into one number; ids must stay below 2^20. */
const ID_LIMIT = 2 ** 20;
const pairKey = (a: number, b: number): number => a * ID_LIMIT + b;

interface HeapEntry {
  count: number;
  a: number;
  b: number;
}

/** Max-heap on count, ties to the smaller (a, b). */
class PairHeap {
  private readonly items: HeapEntry[] = [];

  private static above(x: HeapEntry, y: HeapEntry): boolean {
    if (x.count !== y.count) return x.count > y.count;
    return x.a !== y.a ? x.a < y.a : x.b < y.b;
  }

  get size(): number {
    return this.items.length;
  }

  push(e: HeapEntry): void {
    const h = this.items;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!PairHeap.above(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  pop(): HeapEntry | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && PairHeap.above(h[l], h[m])) m = l;
        if (r < h.length && PairHeap.above(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Counts pre-tokens of the corpus, after cutting out special tokens as the tokenizer does when encoding. */
function countWords(texts: Iterable<string>, specials: readonly string[], pattern: RegExp): Map<string, number> {
  const counts = new Map<string, number>();
  const splitter =
    specials.length > 0
      ? new RegExp(
          [...specials]
            .sort((x, y) => y.length - x.length)
            .map(escapeRegExp)
            .join('|'),
          'g',
        )
      : undefined;
  for (const text of texts) {
    for (const section of splitter ? text.split(splitter) : [text]) {
      for (const m of section.matchAll(pattern)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    }
  }
  return counts;
}

export function trainByteLevelBpe(texts: Iterable<string>, opts: BpeTrainOptions): BpeTrainResult {
  const specials = opts.specialTokens;
  const minFrequency = opts.minFrequency ?? 2;
  if (new Set(specials).size !== specials.length || specials.some((s) => s.length === 0)) {
    throw new CodError('bad_input', 'special tokens must be distinct non-empty strings', 'specialTokens');
  }
  const base = specials.length + 256;
  if (!Number.isInteger(opts.vocabSize) || opts.vocabSize < base || opts.vocabSize >= ID_LIMIT) {
    throw new CodError(
      'bad_input',
      `must be an integer in [${base}, ${ID_LIMIT}) (special tokens + 256 bytes), got ${opts.vocabSize}`,
      'vocab-size',
    );
  }

  const pre = new ByteLevelPreTokenizer({ type: 'ByteLevel', add_prefix_space: false, use_regex: true });
  const byteChar = (b: number): string => pre.byte_encoder[b];
  const tokens: string[] = [...specials];
  for (let b = 0; b < 256; b++) tokens.push(byteChar(b));
  const byteId = new Int32Array(256);
  for (let b = 0; b < 256; b++) byteId[b] = specials.length + b;

  const wordCounts = countWords(texts, specials, new RegExp(pre.pattern.source, pre.pattern.flags));
  const encoder = new TextEncoder();
  const words: number[][] = [];
  const freq: number[] = [];
  let occurrences = 0;
  for (const [w, f] of wordCounts) {
    words.push(Array.from(encoder.encode(w), (b) => byteId[b]));
    freq.push(f);
    occurrences += f;
  }

  const counts = new Map<number, number>();
  const where = new Map<number, number[]>();
  const addTo = (k: number, delta: number): void => {
    const c = (counts.get(k) ?? 0) + delta;
    if (c === 0) counts.delete(k);
    else counts.set(k, c);
  };
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    for (let i = 0; i + 1 < word.length; i++) {
      const k = pairKey(word[i], word[i + 1]);
      addTo(k, freq[w]);
      const list = where.get(k);
      if (!list) where.set(k, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  }
  const heap = new PairHeap();
  for (const [k, c] of counts) heap.push({ count: c, a: Math.floor(k / ID_LIMIT), b: k % ID_LIMIT });

  const merges: string[] = [];
  const idOf = new Map(tokens.map((t, id) => [t, id]));
  const visited = new Int32Array(words.length).fill(-1);
  let step = 0;
  while (tokens.length < opts.vocabSize && heap.size > 0) {
    const top = heap.pop() as HeapEntry;
    const key = pairKey(top.a, top.b);
    const current = counts.get(key) ?? 0;
    // Lazy heap: every pair whose count rose was pushed at its new count, so a stale entry is re-queued at its
    // true count and the first exact entry popped is the true maximum.
    if (current !== top.count) {
      if (current > 0) heap.push({ count: current, a: top.a, b: top.b });
      continue;
    }
    if (current < minFrequency) break;
    const { a, b } = top;
    // Two merge paths can spell the same string ("ab"+"c", "a"+"bc"): reuse its id, as HF's trainer does.
    const merged = tokens[a] + tokens[b];
    let newId = idOf.get(merged);
    if (newId === undefined) {
      newId = tokens.length;
      tokens.push(merged);
      idOf.set(merged, newId);
    }
    merges.push(`${tokens[a]} ${tokens[b]}`);
    step++;
    const fresh = new Set<number>();
    for (const w of where.get(key) ?? []) {
      if (visited[w] === step) continue;
      visited[w] = step;
      const word = words[w];
      const f = freq[w];
      let hit = false;
      for (let i = 0; i + 1 < word.length; i++) if (word[i] === a && word[i + 1] === b) hit = true;
      if (!hit) continue;
      for (let i = 0; i + 1 < word.length; i++) addTo(pairKey(word[i], word[i + 1]), -f);
      const next: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          next.push(newId);
          i++;
        } else next.push(word[i]);
      }
      for (let i = 0; i + 1 < next.length; i++) {
        const k = pairKey(next[i], next[i + 1]);
        addTo(k, f);
        if (next[i] === newId || next[i + 1] === newId) {
          fresh.add(k);
          const list = where.get(k);
          if (!list) where.set(k, [w]);
          else if (list[list.length - 1] !== w) list.push(w);
        }
      }
      words[w] = next;
    }
    where.delete(key);
    for (const k of fresh) {
      const c = counts.get(k);
      if (c) heap.push({ count: c, a: Math.floor(k / ID_LIMIT), b: k % ID_LIMIT });
    }
  }

  const vocab: Record<string, number> = {};
  tokens.forEach((t, id) => (vocab[t] = id));
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges,
      },
    },
    vocabSize: tokens.length,
    merges: merges.length,
    words: occurrences,
    distinctWords: words.length,
  };
}
