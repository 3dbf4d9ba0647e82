/** Finite-difference gradient checking of graph IR ops, run through onnxruntime in float64. */
import {
  emitModel,
  EngineSession,
  f64,
  grad,
  Graph,
  mul,
  sumAll,
  type HostTensor,
  type Value,
} from '../../../main/engine/index.ts';

export interface GradCase {
  /** Shapes of the float64 inputs that get gradients. */
  shapes: number[][];
  /** Extra non-differentiable inputs (indices, masks) as constants. */
  build: (g: Graph, xs: Value[]) => Value;
  /** Optional fixed input values (default: seeded uniform in [-1, 1] shifted by `offset`). */
  init?: (i: number, n: number) => number[];
  /** Central-difference step (default 1e-6; larger where a float32 stage would swamp a tiny step). */
  eps?: number;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Returns the max relative error between autodiff and central differences over all input elements. */
export async function gradCheck(c: GradCase, seed = 1): Promise<{ maxRelErr: number; analytic: Float64Array[] }> {
  const rnd = seeded(seed);
  const g = new Graph('gradcheck');
  const xs = c.shapes.map((s, i) => g.input(`x${i}`, 'float64', s));
  const y = c.build(g, xs);
  // Random projection so every output element's gradient matters.
  const r = g.input('r', 'float64', y.shape);
  const loss = sumAll(mul(y, r));
  const gs = grad(loss, xs);
  g.output('loss', loss);
  gs.forEach((v, i) => g.output(`g${i}`, v));
  const session = await EngineSession.create(emitModel(g), { providers: ['cpu'], threads: 1 });

  const values = c.shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    return Float64Array.from(c.init ? c.init(i, n) : Array.from({ length: n }, () => rnd() * 2 - 1));
  });
  const rShape = y.shape as number[];
  const rVals = Float64Array.from({ length: rShape.reduce((a, b) => a * b, 1) }, () => rnd() * 2 - 1);
  const feeds = (): Record<string, HostTensor> => {
    const f: Record<string, HostTensor> = { r: f64(rShape, rVals) };
    values.forEach((v, i) => (f[`x${i}`] = f64(c.shapes[i], v)));
    return f;
  };
  const base = await session.run(feeds());
  const analytic = c.shapes.map((_, i) => base[`g${i}`].data as Float64Array);
  const eps = c.eps ?? 1e-6;
  let maxRelErr = 0;
  for (let i = 0; i < values.length; i++) {
    for (let k = 0; k < values[i].length; k++) {
      const orig = values[i][k];
      values[i][k] = orig + eps;
      const up = (await session.run(feeds(), ['loss'])).loss.data[0] as number;
      values[i][k] = orig - eps;
      const down = (await session.run(feeds(), ['loss'])).loss.data[0] as number;
      values[i][k] = orig;
      const fd = (up - down) / (2 * eps);
      const an = analytic[i][k];
      const err = Math.abs(fd - an) / Math.max(1e-3, Math.abs(fd), Math.abs(an));
      maxRelErr = Math.max(maxRelErr, err);
    }
  }
  await session.release();
  return { maxRelErr, analytic };
}
