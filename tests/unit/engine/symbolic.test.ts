/** Symbolic dims: one compiled graph serves any batch/sequence size, with shapes inferred through the ops. */
import { describe, expect, it } from 'vitest';
import {
  emitModel,
  EngineSession,
  f32,
  gemm,
  grad,
  Graph,
  logSoftmax,
  mul,
  reshape,
  sumAll,
  tanh,
} from '../../../main/engine/index.ts';

describe('symbolic dims', () => {
  it('infers symbolic shapes and runs the same session at different batch and sequence sizes', async () => {
    const g = new Graph('sym');
    const x = g.input('x', 'float32', ['batch', 'seq', 4]);
    const w = g.input('w', 'float32', [3, 4]);
    const flat = reshape(x, [-1, 4]);
    expect(flat.shape[1]).toBe(4);
    expect(typeof flat.shape[0]).toBe('string');
    const h = reshape(tanh(gemm(flat, w, false, true)), ['batch', 'seq', 3]);
    expect(h.shape).toEqual(['batch', 'seq', 3]);
    const y = logSoftmax(h);
    const loss = sumAll(mul(y, y));
    const [gw] = grad(loss, [w]);
    expect(gw.shape).toEqual([3, 4]);
    g.output('y', y);
    g.output('gw', gw);
    const s = await EngineSession.create(emitModel(g), { providers: ['cpu'], threads: 1 });
    const wv = Array.from({ length: 12 }, (_, i) => Math.sin(i));
    for (const [b, t] of [
      [1, 1],
      [2, 5],
      [3, 7],
    ]) {
      const out = await s.run({
        x: f32(
          [b, t, 4],
          Array.from({ length: b * t * 4 }, (_, i) => Math.cos(i)),
        ),
        w: f32([3, 4], wv),
      });
      expect(out.y.shape).toEqual([b, t, 3]);
      // Each row of a log-softmax exponentiates to a distribution.
      const yv = out.y.data as Float32Array;
      for (let r = 0; r < b * t; r++)
        expect(Math.exp(yv[3 * r]) + Math.exp(yv[3 * r + 1]) + Math.exp(yv[3 * r + 2])).toBeCloseTo(1, 5);
      expect(out.gw.shape).toEqual([3, 4]);
    }
    await s.release();
  });

  it('rejects shape errors at build time with a message naming the op', () => {
    const g = new Graph('bad');
    const a = g.input('a', 'float32', ['batch', 4]);
    const b = g.input('b', 'float32', [5, 3]);
    expect(() => gemm(a, b)).toThrow(/Gemm: inner dims differ/);
    expect(() => reshape(a, [3, -1, 'seq'])).toThrow(/symbol 'seq' is neither/);
  });
});
