/**
 * The sampler against the scoring graph: the log-probs it returns for its own samples must equal what
 * ModelRuntime.score computes for the packed prompt+generated sequences (the trainer's view), in both decode modes,
 * for several batch sizes and packed layouts. Plus reproducibility, stops, budgets and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { initWeights } from '../../../main/models/init.ts';
import { packBatch, unpackPerToken } from '../../../main/models/packing.ts';
import { presetConfig } from '../../../main/models/presets.ts';
import { ModelRuntime } from '../../../main/models/runtime.ts';
import { Sampler, type SampleRequest, type SampleResult } from '../../../main/models/sampler/sampler.ts';

const config = presetConfig('tiny');
let runtime: ModelRuntime;

function prompt(len: number, salt: number): number[] {
  return Array.from({ length: len }, (_, t) => (t * 37 + salt * 101 + 5) % config.vocabSize);
}

/** Scores prompt+generated for every request, packed into rows of `width`; returns the generated part's logp. */
async function scored(reqs: SampleRequest[], res: SampleResult[], width?: number): Promise<number[][]> {
  const sequences = reqs.map((r, i) => [...r.promptIds, ...res[i].tokenIds]);
  const packed = packBatch({ sequences, lossMask: sequences.map((s) => s.map(() => 1)) }, { width });
  const { logp } = await runtime.score(packed);
  return unpackPerToken(packed, logp).map((lp, i) => lp.slice(reqs[i].promptIds.length) as number[]);
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => {
    expect(row.length).toBe(b[i].length);
    row.forEach((x, t) => (m = Math.max(m, Math.abs(x - b[i][t]))));
  });
  return m;
}

beforeAll(() => {
  runtime = new ModelRuntime(config, initWeights(config, 7), { threads: 1 });
});
afterAll(async () => {
  await runtime.dispose();
});

describe('sampler log-probs equal the scoring graph', () => {
  for (const mode of ['loop', 'naive'] as const) {
    it(`${mode}: batch sizes 1, 3, 8 with ragged prompts, two packed layouts`, async () => {
      const sampler = new Sampler(config, runtime.params, { mode, chunkSteps: 5, maxBatch: 4, threads: 1 });
      try {
        for (const n of [1, 3, 8]) {
          const reqs: SampleRequest[] = Array.from({ length: n }, (_, i) => ({
            promptIds: prompt(1 + ((i * 7) % 23), i + n),
            maxNewTokens: 6 + ((i * 5) % 9),
            temperature: i % 3 === 0 ? 1 : 0.7,
            ...(i % 4 === 1 ? { topK: 20 } : {}),
            ...(i % 4 === 2 ? { topP: 0.9 } : {}),
            seed: `s${i}`,
          }));
          const res = await sampler.generate(reqs);
          res.forEach((r, i) => {
            expect(r.tokenIds).toHaveLength(reqs[i].maxNewTokens);
            expect(r.finish).toBe('length');
          });
          const got = res.map((r) => r.logprobs);
          // One sequence per row, then several sequences packed per row.
          expect(maxAbsDiff(got, await scored(reqs, res))).toBeLessThanOrEqual(1e-4);
          expect(maxAbsDiff(got, await scored(reqs, res, 96))).toBeLessThanOrEqual(1e-4);
        }
      } finally {
        await sampler.dispose();
      }
    });
  }

  it('continuous batching: more requests than slots, refilled as others finish, still exact', async () => {
    const sampler = new Sampler(config, runtime.params, { chunkSteps: 4, maxBatch: 2, threads: 1 });
    try {
      const reqs: SampleRequest[] = Array.from({ length: 5 }, (_, i) => ({
        promptIds: prompt(3 + i * 4, i),
        maxNewTokens: [2, 11, 3, 7, 5][i],
        seed: i,
      }));
      // Two concurrent callers share the scheduler.
      const [a, b] = await Promise.all([sampler.generate(reqs.slice(0, 2)), sampler.generate(reqs.slice(2))]);
      const res = [...a, ...b];
      res.forEach((r, i) => expect(r.tokenIds).toHaveLength(reqs[i].maxNewTokens));
      expect(
        maxAbsDiff(
          res.map((r) => r.logprobs),
          await scored(reqs, res),
        ),
      ).toBeLessThanOrEqual(1e-4);
      // 5 requests through 2 slots: more runs than one batch of the longest (11 tokens / 4 per chunk) would need.
      expect(sampler.stats.decodeRuns).toBeGreaterThan(3);
    } finally {
      await sampler.dispose();
    }
  });
});

describe('prefix reuse (prefixCacheBytes)', () => {
  // A lifecycle's next call: the previous prompt, its reply, then a new observation.
  const next = (req: SampleRequest, res: SampleResult, extra: number, salt: number): SampleRequest => ({
    ...req,
    promptIds: [...req.promptIds, ...res.tokenIds, ...prompt(extra, salt)],
    seed: `${String(req.seed)}+`,
  });

  it('a prompt that extends a finished call samples what a fresh sampler samples, from the kept cache', async () => {
    for (const mode of ['loop', 'naive'] as const) {
      const reusing = new Sampler(config, runtime.params, {
        mode,
        chunkSteps: 6,
        maxBatch: 8,
        threads: 1,
        prefixCacheBytes: 2 ** 24,
      });
      const fresh = new Sampler(config, runtime.params, { mode, chunkSteps: 6, maxBatch: 8, threads: 1 });
      try {
        // Three lifecycles at different lengths, so one extend run holds rows with different kept and new lengths
        // (and a padded row); each round extends the round before's calls. From the third round on, a call's kept
        // cache is written into the buffers of the entry it started from (they have room), which the next round reads.
        let reqs: SampleRequest[] = [40, 57, 90].map((len, i) => ({
          promptIds: prompt(len, 10 + i),
          maxNewTokens: 5 + i * 3,
          temperature: 1,
          seed: `p${i}`,
        }));
        let res = await reusing.generate(reqs);
        expect(res).toEqual(await fresh.generate(reqs));
        for (let round = 0; round < 3; round++) {
          reqs = reqs.map((r, i) => next(r, res[i], 3 + 11 * i + round, 20 + i + round));
          res = await reusing.generate(reqs);
          const want = await fresh.generate(reqs);
          res.forEach((r, i) => {
            expect(r.tokenIds).toEqual(want[i].tokenIds);
            r.logprobs.forEach((x, t) => expect(Math.abs(x - want[i].logprobs[t])).toBeLessThan(1e-5));
          });
          // And the trainer's view of the same tokens.
          expect(
            maxAbsDiff(
              res.map((r) => r.logprobs),
              await scored(reqs, res),
            ),
          ).toBeLessThanOrEqual(1e-4);
        }
        // Every prompt after the first round started from a kept prefix; only what it added ran through the extend graph.
        const kept = reusing.stats.prefixTokens;
        expect(kept).toBeGreaterThan(3 * (40 + 57 + 90));
        expect(reusing.stats.extendTokens).toBeGreaterThan(0);
        expect(reusing.stats.prefillTokens).toBe(39 + 56 + 89);
        expect(fresh.stats.prefixTokens).toBe(0);
        // New weights: nothing kept is reused.
        reusing.weightsChanged();
        await reusing.generate(reqs.map((r, i) => next(r, res[i], 4, 30 + i)));
        expect(reusing.stats.prefixTokens).toBe(kept);
      } finally {
        await reusing.dispose();
        await fresh.dispose();
      }
    }
  });

  it('bad budget is one CodError', () => {
    expect(() => new Sampler(config, runtime.params, { prefixCacheBytes: -1 })).toThrow(CodError);
  });
});

describe('sampler behaviour', () => {
  let sampler: Sampler;
  // A fake-free decode: token ids as letters, so stop strings can be placed on known tokens.
  const decode = (ids: readonly number[]) => ids.map((id) => String.fromCharCode(97 + (id % 26))).join('');
  beforeAll(() => {
    sampler = new Sampler(config, runtime.params, { chunkSteps: 8, maxBatch: 8, threads: 1, decode });
  });
  afterAll(async () => {
    await sampler.dispose();
  });

  it('same seed -> identical output; different seeds -> different', async () => {
    const base = { promptIds: prompt(9, 1), maxNewTokens: 24, temperature: 1 };
    const [a, b, c] = await sampler.generate([
      { ...base, seed: 'x' },
      { ...base, seed: 'x' },
      { ...base, seed: 'y' },
    ]);
    expect(a.tokenIds).toEqual(b.tokenIds);
    // Same tokens; log-probs agree to float rounding (different slots of one batch may round differently).
    a.logprobs.forEach((x, t) => expect(Math.abs(x - b.logprobs[t])).toBeLessThan(1e-5));
    expect(c.tokenIds).not.toEqual(a.tokenIds);
    // Also across calls with a different batch composition.
    const [again] = await sampler.generate([{ ...base, seed: 'x' }]);
    expect(again.tokenIds).toEqual(a.tokenIds);
  });

  it('greedy (temperature 0) does not depend on the seed', async () => {
    const req = { promptIds: prompt(6, 2), maxNewTokens: 8, temperature: 0, seed: 1 };
    const [r] = await sampler.generate([req, { ...req, seed: 2 }]);
    const [r2] = await sampler.generate([{ ...req, seed: 3 }]);
    expect(r2.tokenIds).toEqual(r.tokenIds);
  });

  it('top-k 1 equals greedy', async () => {
    const req = { promptIds: prompt(6, 4), maxNewTokens: 8, seed: 5 };
    const [g, k1] = await sampler.generate([
      { ...req, temperature: 0 },
      { ...req, topK: 1 },
    ]);
    expect(k1.tokenIds).toEqual(g.tokenIds);
  });

  it('stop strings end generation and are kept in the text; EOS ids are kept as the last token', async () => {
    const req = { promptIds: prompt(5, 3), maxNewTokens: 40, temperature: 1, seed: 'stop' };
    const [free] = await sampler.generate([req]);
    const text = decode(free.tokenIds);
    const stop = text.slice(6, 8); // two letters generated at tokens 6..7
    const first = text.indexOf(stop);
    const [stopped] = await sampler.generate([{ ...req, stop: [stop, 'never-there'] }]);
    expect(stopped.finish).toBe('stop');
    expect(stopped.text).toBe(text.slice(0, first + stop.length));
    expect(stopped.tokenIds).toEqual(free.tokenIds.slice(0, first + stop.length));
    const eos = free.tokenIds[3];
    const [e] = await sampler.generate([{ ...req, eosIds: [eos] }]);
    expect(e.finish).toBe('eos');
    expect(e.tokenIds).toEqual(free.tokenIds.slice(0, free.tokenIds.indexOf(eos) + 1));
  });

  it('loop and naive modes sample the same tokens; the Loop stops once every slot is done', async () => {
    const reqs: SampleRequest[] = [0, 1, 2].map((i) => ({
      promptIds: prompt(4 + 5 * i, i),
      maxNewTokens: 20,
      temperature: 1,
      seed: `m${i}`,
    }));
    const naive = new Sampler(config, runtime.params, { mode: 'naive', threads: 1 });
    const loop = new Sampler(config, runtime.params, { chunkSteps: 16, threads: 1 });
    try {
      const a = await naive.generate(reqs);
      const b = await loop.generate(reqs);
      a.forEach((r, i) => {
        expect(b[i].tokenIds).toEqual(r.tokenIds);
        r.logprobs.forEach((x, t) => expect(Math.abs(x - b[i].logprobs[t])).toBeLessThan(1e-5));
      });
      // One request whose 3rd token is an eos id: one 16-step chunk that ends after 3 steps.
      const eos = a[0].tokenIds[2];
      const first = a[0].tokenIds.indexOf(eos);
      loop.stats.decodeSteps = 0;
      const [e] = await loop.generate([{ ...reqs[0], eosIds: [eos] }]);
      expect(e.finish).toBe('eos');
      expect(e.tokenIds).toEqual(a[0].tokenIds.slice(0, first + 1));
      expect(loop.stats.decodeSteps).toBe(first + 1);
      // Budgets too: two slots with 3 and 5 tokens left share one run of 5 steps, not 16.
      Object.assign(loop.stats, { decodeSteps: 0, decodeRuns: 0 });
      await loop.generate([
        { ...reqs[1], maxNewTokens: 3 },
        { ...reqs[2], maxNewTokens: 5 },
      ]);
      expect([loop.stats.decodeSteps, loop.stats.decodeRuns]).toEqual([5, 1]);
    } finally {
      await naive.dispose();
      await loop.dispose();
    }
  });

  it('reads the live weights at every run: in-place updates and replaced entries are picked up', async () => {
    const params = new Map([...runtime.params].map(([k, v]) => [k, v.slice()]));
    const live = new Sampler(config, params, { chunkSteps: 4, threads: 1 });
    const req: SampleRequest = { promptIds: prompt(7, 9), maxNewTokens: 10, temperature: 1, seed: 'w' };
    // Same tokens; log-probs to float rounding (chunking splits attention over past and recent keys differently).
    const expectSame = (a: SampleResult, b: SampleResult) => {
      expect(a.tokenIds).toEqual(b.tokenIds);
      a.logprobs.forEach((x, t) => expect(Math.abs(x - b.logprobs[t])).toBeLessThan(1e-5));
    };
    /** What a sampler built from scratch on a snapshot of `params` gives. */
    const fresh = async () => {
      const s = new Sampler(config, new Map([...params].map(([k, v]) => [k, v.slice()])), { threads: 1 });
      try {
        return (await s.generate([req]))[0];
      } finally {
        await s.dispose();
      }
    };
    try {
      const [before] = await live.generate([req]);
      for (const w of params.values()) for (let i = 0; i < w.length; i += 3) w[i] *= -1.5; // in place
      const [inPlace] = await live.generate([req]);
      expect(inPlace.logprobs).not.toEqual(before.logprobs);
      expectSame(inPlace, await fresh());
      const emb = params.get('model.embed_tokens.weight')!;
      params.set(
        'model.embed_tokens.weight',
        emb.map((x, i) => (i % 2 ? x : -x)),
      ); // a new array
      const [replaced] = await live.generate([req]);
      expect(replaced.logprobs).not.toEqual(inPlace.logprobs);
      expectSame(replaced, await fresh());
    } finally {
      await live.dispose();
    }
  });

  it('max new tokens and context limit', async () => {
    const [r] = await sampler.generate([{ promptIds: prompt(4, 1), maxNewTokens: 3, seed: 1 }]);
    expect(r.tokenIds).toHaveLength(3);
    expect(r.finish).toBe('length');
    const small = new Sampler(config, runtime.params, { maxContext: 20, threads: 1 });
    try {
      const [c] = await small.generate([{ promptIds: prompt(15, 1), maxNewTokens: 50, seed: 1 }]);
      expect(c.finish).toBe('context');
      expect(c.tokenIds).toHaveLength(5);
      expect(() => small.generate([{ promptIds: prompt(21, 1), maxNewTokens: 5, seed: 1 }])).toThrow(
        /prompt of 21 tokens exceeds the model's context of 20 tokens/,
      );
    } finally {
      await small.dispose();
    }
  });

  it('cancel: everything queued or being sampled rejects at the next chunk; the sampler works on after', async () => {
    const runs = () => sampler.stats.decodeRuns;
    const before = runs();
    // 12 requests of up to 200 tokens in 8 slots, 8 steps per chunk: far more than one chunk of work.
    const pending = sampler.generate(
      Array.from({ length: 12 }, (_, i) => ({ promptIds: prompt(3, i), maxNewTokens: 200, seed: i })),
    );
    const why = new CodError('internal', 'stop now');
    while (runs() === before) await new Promise((r) => setTimeout(r, 1));
    sampler.cancel(why);
    await expect(pending).rejects.toBe(why);
    // At most the chunk in flight ran after the cancel (200 tokens need 25 chunks).
    expect(runs() - before).toBeLessThanOrEqual(2);
    const [r] = await sampler.generate([{ promptIds: prompt(4, 1), maxNewTokens: 3, seed: 1 }]);
    expect(r.tokenIds).toHaveLength(3);
    // Cancelling an idle sampler does nothing to the next call.
    sampler.cancel(why);
    const [again] = await sampler.generate([{ promptIds: prompt(4, 1), maxNewTokens: 3, seed: 1 }]);
    expect(again.tokenIds).toEqual(r.tokenIds);
  });

  it('bad input is one CodError', () => {
    const bad: SampleRequest[] = [
      { promptIds: [], maxNewTokens: 1, seed: 1 },
      { promptIds: [config.vocabSize], maxNewTokens: 1, seed: 1 },
      { promptIds: [1], maxNewTokens: -1, seed: 1 },
      { promptIds: [1], maxNewTokens: 1, temperature: -1, seed: 1 },
      { promptIds: [1], maxNewTokens: 1, topP: 0, seed: 1 },
    ];
    for (const r of bad) expect(() => sampler.generate([r])).toThrow(CodError);
  });
});
