/**
 * Prefix reuse for the sampler: the KV cache of finished sequences, kept so that a later prompt that starts with
 * one of them prefills only what it adds. A CoD lifecycle's next call repeats its previous call's prompt and reply
 * and appends an observation, so about 70% of the prompt tokens an evaluation of the cpu-demo curriculum sends were
 * already computed (measured with a scratch counter on `cod eval … --suite frozenlake-heldout --seeds 1`: 511k of
 * 728k prompt tokens over 1,500 calls). Entries are looked up by their first KEY_TOKENS ids, the longest common
 * prefix wins, and the least recently used go first once the byte budget is spent.
 */

/** Ids that index an entry (a shorter prompt is never matched). */
const KEY_TOKENS = 16;

export interface PrefixEntry {
  /** The tokens whose keys and values are held (prompt, then generated tokens), in order. */
  readonly tokens: readonly number[];
  /**
   * Per layer and kind (k of layer 0, v of layer 0, k of layer 1, …): [KV heads, capacity, head dim], the first
   * tokens.length positions of each head filled.
   */
  readonly kv: readonly Float32Array[];
  /** Positions each head's rows have room for (>= tokens.length): room for the next call to be kept in place. */
  readonly capacity: number;
}

export interface PrefixMatch {
  readonly entry: PrefixEntry;
  /** Leading positions of the entry that equal the prompt's (at most the limit asked for). */
  readonly length: number;
}

export class PrefixStore {
  private readonly byKey = new Map<string, Set<PrefixEntry>>();
  /** Every entry, least recently used first (a Map keeps insertion order). */
  private readonly lru = new Map<PrefixEntry, number>();
  private used = 0;

  constructor(
    /** Bytes of keys and values kept at most. */
    readonly budgetBytes: number,
    /** Shortest reuse worth an extend run instead of a plain prefill. */
    readonly minReuse = 32,
  ) {}

  /** Keeps a finished sequence's cache (the caller's copy); evicts the least recently used past the budget. */
  add(entry: PrefixEntry): void {
    if (entry.tokens.length < Math.max(KEY_TOKENS, this.minReuse)) return;
    const bytes = entry.kv.reduce((a, t) => a + t.byteLength, 0);
    if (bytes > this.budgetBytes) return;
    const key = keyOf(entry.tokens);
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(entry);
    this.lru.set(entry, bytes);
    this.used += bytes;
    for (const [old, b] of this.lru) {
      if (this.used <= this.budgetBytes) break;
      this.remove(old, b);
    }
  }

  /**
   * The entry sharing the longest prefix with `prompt`, counting at most `limit` positions, if that is at least
   * minReuse. Ties go to the most recently added entry.
   */
  match(prompt: readonly number[], limit: number): PrefixMatch | undefined {
    if (prompt.length < KEY_TOKENS || limit < this.minReuse) return undefined;
    const set = this.byKey.get(keyOf(prompt));
    if (!set) return undefined;
    let best: PrefixMatch | undefined;
    for (const entry of set) {
      const end = Math.min(limit, entry.tokens.length, prompt.length);
      let m = KEY_TOKENS;
      while (m < end && entry.tokens[m] === prompt[m]) m++;
      if (m >= this.minReuse && (!best || m >= best.length)) best = { entry, length: m };
    }
    if (best) {
      // Used: now the most recently used.
      const b = this.lru.get(best.entry)!;
      this.lru.delete(best.entry);
      this.lru.set(best.entry, b);
    }
    return best;
  }

  /**
   * Drops an entry (one a longer entry now supersedes). True if it was still kept: its buffers are then the caller's
   * (no later match can read them); false if it was gone already (evicted, or dropped by another caller).
   */
  delete(entry: PrefixEntry): boolean {
    const bytes = this.lru.get(entry);
    if (bytes === undefined) return false;
    this.remove(entry, bytes);
    return true;
  }

  clear(): void {
    this.byKey.clear();
    this.lru.clear();
    this.used = 0;
  }

  private remove(entry: PrefixEntry, bytes: number): void {
    this.lru.delete(entry);
    this.used -= bytes;
    const key = keyOf(entry.tokens);
    const set = this.byKey.get(key);
    set?.delete(entry);
    if (set?.size === 0) this.byKey.delete(key);
  }
}

const keyOf = (tokens: readonly number[]): string => tokens.slice(0, KEY_TOKENS).join(',');
