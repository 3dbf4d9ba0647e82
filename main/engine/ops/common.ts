/** Shared pieces of op definitions: broadcasting, constant emission, attribute access. */
import type { DType } from '../dtype.ts';
import { type Attrs, type Dim, type EmittedNode, type Shape, type TensorData, tensorData } from '../graph.ts';
import type { Value } from '../graph.ts';

export class ShapeError extends Error {}

/** Numpy-style broadcast of two shapes. Symbolic dims broadcast only with themselves or 1. */
export function broadcastShapes(a: Shape, b: Shape, op: string): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db) out.push(da);
    else if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else throw new ShapeError(`${op}: cannot broadcast [${a.join(',')}] with [${b.join(',')}]`);
  }
  return out;
}

export function checkSameFloat(op: string, xs: readonly Value[]): DType {
  const d = xs[0].dtype;
  for (const x of xs) if (x.dtype !== d) throw new ShapeError(`${op}: dtype mismatch ${d} vs ${x.dtype}`);
  return d;
}

export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function intsAttr(attrs: Attrs, key: string): number[] {
  const v = attrs[key];
  if (!Array.isArray(v)) throw new ShapeError(`attribute '${key}' must be a list of ints`);
  return v as number[];
}

export function intAttr(attrs: Attrs, key: string, fallback?: number): number {
  const v = attrs[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number') throw new ShapeError(`attribute '${key}' must be an int`);
  return v;
}

export function int64Tensor(values: readonly number[]): TensorData {
  return tensorData('int64', [values.length], BigInt64Array.from(values.map((x) => BigInt(x))));
}

/** An ONNX Constant node holding `t`; returns [node, its output name]. */
export function constNode(fresh: () => string, t: TensorData): [EmittedNode, string] {
  const name = fresh();
  return [{ opType: 'Constant', inputs: [], outputs: [name], attrs: { value: t } }, name];
}
