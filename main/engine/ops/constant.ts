/** Scalar constants, deduplicated per graph, in the dtype of the value they combine with. */
import { type Graph, tensorData, type Value } from '../graph.ts';

const cache = new WeakMap<Graph, Map<string, Value>>();

export function scalar(graphOf: Value, v: number, dtype: 'float32' | 'float64' | 'int64' = 'float32'): Value {
  const g = graphOf.graph;
  let m = cache.get(g);
  if (!m) cache.set(g, (m = new Map()));
  const key = `${dtype}:${Object.is(v, -0) ? '-0' : v}`;
  const hit = m.get(key);
  if (hit) return hit;
  const data =
    dtype === 'float64' ? Float64Array.of(v) : dtype === 'int64' ? BigInt64Array.of(BigInt(v)) : Float32Array.of(v);
  const c = g.constant(tensorData(dtype, [], data));
  m.set(key, c);
  return c;
}

export function constLike(like: Value, v: number): Value {
  return scalar(like, v, like.dtype === 'float64' ? 'float64' : 'float32');
}
