/**
 * Shape manipulation: reshape, transpose, slice, concat, expand. Symbolic dims flow through by name. (Gradient
 * rules: ../gradients.ts.)
 */
import type { Dim, EmittedNode, OpDef, Shape, Value } from '../graph.ts';
import { constNode, int64Tensor, intAttr, intsAttr, normAxis, ShapeError } from './common.ts';

/** Static reshape target: numbers, -1 (inferred, once), or symbols that appear in the input's shape. */
function resolveTarget(x: Value, target: readonly Dim[]): Dim[] {
  const out = [...target];
  const minus = out.filter((d) => d === -1).length;
  if (minus > 1) throw new ShapeError('Reshape: more than one -1');
  for (const d of out) {
    if (typeof d === 'string' && !x.shape.includes(d) && !x.graph.symbols.has(d))
      throw new ShapeError(`Reshape: symbol '${d}' is neither in the input shape nor declared by a graph input`);
  }
  if (minus === 1) {
    const inStatic = x.shape.every((d) => typeof d === 'number');
    const known = out.filter((d) => d !== -1);
    if (inStatic && known.every((d) => typeof d === 'number')) {
      const total = (x.shape as number[]).reduce((a, b) => a * b, 1);
      const part = (known as number[]).reduce((a, b) => a * b, 1);
      if (part === 0 || total % part !== 0) throw new ShapeError(`Reshape: cannot reshape [${x.shape}] to [${target}]`);
      out[out.indexOf(-1)] = total / part;
    } else {
      out[out.indexOf(-1)] = `reshape_${x.id}`;
    }
  } else if (x.shape.every((d) => typeof d === 'number') && out.every((d) => typeof d === 'number')) {
    const a = (x.shape as number[]).reduce((p, q) => p * q, 1);
    const b = (out as number[]).reduce((p, q) => p * q, 1);
    if (a !== b) throw new ShapeError(`Reshape: cannot reshape [${x.shape}] (${a}) to [${target}] (${b})`);
  }
  return out;
}

/**
 * Emit the ONNX shape tensor for a target that may name symbolic dims: read from the input's own runtime shape
 * when it has the symbol, else from the graph input that declared it (passed as extra node inputs `srcs`).
 */
function emitTargetShape(
  x: Value,
  xName: string,
  target: readonly Dim[],
  fresh: () => string,
  srcs: ReadonlyArray<{ value: Value; name: string }> = [],
): [EmittedNode[], string] {
  if (target.every((d) => typeof d === 'number')) {
    const [c, name] = constNode(fresh, int64Tensor(target as number[]));
    return [[c], name];
  }
  const nodes: EmittedNode[] = [];
  const shapeNames = new Map<string, string>();
  const shapeOfName = (name: string): string => {
    let s = shapeNames.get(name);
    if (!s) {
      s = fresh();
      shapeNames.set(name, s);
      nodes.push({ opType: 'Shape', inputs: [name], outputs: [s] });
    }
    return s;
  };
  const parts: string[] = [];
  for (const d of target) {
    if (typeof d === 'number') {
      const [c, n] = constNode(fresh, int64Tensor([d]));
      nodes.push(c);
      parts.push(n);
    } else {
      let from = xName;
      let axis = x.shape.indexOf(d);
      if (axis < 0) {
        const sym = x.graph.symbols.get(d)!;
        from = srcs.find((s) => s.value === sym.value)!.name;
        axis = sym.axis;
      }
      const [c, idx] = constNode(fresh, int64Tensor([axis]));
      const g = fresh();
      nodes.push(c, { opType: 'Gather', inputs: [shapeOfName(from), idx], outputs: [g], attrs: { axis: 0 } });
      parts.push(g);
    }
  }
  const out = fresh();
  nodes.push({ opType: 'Concat', inputs: parts, outputs: [out], attrs: { axis: 0 } });
  return [nodes, out];
}

export const ReshapeOp: OpDef = {
  name: 'Reshape',
  infer: ([x], attrs) => [{ dtype: x.dtype, shape: resolveTarget(x, attrs.shape as Dim[]) }],
  emit: (n, i, o, fresh) => {
    const target = n.attrs.shape as Dim[];
    const srcs = n.inputs.slice(1).map((value, k) => ({ value, name: i[k + 1] }));
    const [nodes, shapeName] = emitTargetShape(n.inputs[0], i[0], target, fresh, srcs);
    return [...nodes, { opType: 'Reshape', inputs: [i[0], shapeName], outputs: o }];
  },
};

/** Reshape `x` to the (runtime) shape of `like`. */
export const ReshapeLikeOp: OpDef = {
  name: 'ReshapeLike',
  infer: ([x, like]) => [{ dtype: x.dtype, shape: like.shape }],
  emit: (_n, i, o, fresh) => {
    const s = fresh();
    return [
      { opType: 'Shape', inputs: [i[1]], outputs: [s] },
      { opType: 'Reshape', inputs: [i[0], s], outputs: o },
    ];
  },
};

/** Broadcast `x` to the (runtime) shape of `like`. */
export const ExpandLikeOp: OpDef = {
  name: 'ExpandLike',
  infer: ([x, like]) => [{ dtype: x.dtype, shape: like.shape }],
  emit: (_n, i, o, fresh) => {
    const s = fresh();
    return [
      { opType: 'Shape', inputs: [i[1]], outputs: [s] },
      { opType: 'Expand', inputs: [i[0], s], outputs: o },
    ];
  },
};

export const ExpandOp: OpDef = {
  name: 'Expand',
  infer: ([x], attrs) => {
    const target = attrs.shape as Dim[];
    const lead = target.length - x.rank;
    if (lead < 0) throw new ShapeError('Expand: target rank below input rank');
    x.shape.forEach((d, k) => {
      const t = target[k + lead];
      if (d !== 1 && d !== t) throw new ShapeError(`Expand: cannot expand [${x.shape}] to [${target}]`);
    });
    return [{ dtype: x.dtype, shape: target }];
  },
  emit: (n, i, o, fresh) => {
    const target = n.attrs.shape as Dim[];
    if (!target.every((d) => typeof d === 'number')) throw new ShapeError('Expand: use expandLike for symbolic shapes');
    const [c, s] = constNode(fresh, int64Tensor(target as number[]));
    return [c, { opType: 'Expand', inputs: [i[0], s], outputs: o }];
  },
};

export const TransposeOp: OpDef = {
  name: 'Transpose',
  infer: ([x], attrs) => {
    const perm = intsAttr(attrs, 'perm');
    if (perm.length !== x.rank || [...perm].sort().some((p, k) => p !== k))
      throw new ShapeError(`Transpose: bad perm [${perm}]`);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }];
  },
  emit: (n, i, o) => [{ opType: 'Transpose', inputs: i, outputs: o, attrs: { perm: intsAttr(n.attrs, 'perm') } }],
};

/** Slice [start, end) along one axis with a static extent. */
export const SliceOp: OpDef = {
  name: 'Slice',
  infer: ([x], attrs) => {
    const axis = normAxis(intAttr(attrs, 'axis'), x.rank, 'Slice');
    const start = intAttr(attrs, 'start');
    const end = intAttr(attrs, 'end');
    const d = x.shape[axis];
    if (typeof d !== 'number') throw new ShapeError('Slice: sliced axis must be static');
    if (start < 0 || end > d || start >= end) throw new ShapeError(`Slice: [${start}, ${end}) out of [0, ${d})`);
    const shape = [...x.shape];
    shape[axis] = end - start;
    return [{ dtype: x.dtype, shape }];
  },
  emit: (n, i, o, fresh) => {
    const axis = normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'Slice');
    const [c1, s] = constNode(fresh, int64Tensor([intAttr(n.attrs, 'start')]));
    const [c2, e] = constNode(fresh, int64Tensor([intAttr(n.attrs, 'end')]));
    const [c3, a] = constNode(fresh, int64Tensor([axis]));
    return [c1, c2, c3, { opType: 'Slice', inputs: [i[0], s, e, a], outputs: o }];
  },
};

/**
 * Consecutive pieces of `sizes` along one axis (they cover it). Its gradient is ONE concatenation of the pieces'
 * cotangents, where slicing each piece out would give one zero-padded full-size gradient per piece (a loss chunk's
 * hidden states: [T, D] per chunk, T² in all).
 */
export const SplitOp: OpDef = {
  name: 'Split',
  infer: ([x], attrs) => {
    const axis = normAxis(intAttr(attrs, 'axis'), x.rank, 'Split');
    const sizes = intsAttr(attrs, 'sizes');
    const d = x.shape[axis];
    if (typeof d !== 'number') throw new ShapeError('Split: split axis must be static');
    if (sizes.some((z) => z <= 0) || sizes.reduce((a, b) => a + b, 0) !== d)
      throw new ShapeError(`Split: sizes [${sizes.join(', ')}] do not cover an axis of ${d}`);
    return sizes.map((z) => {
      const shape = [...x.shape];
      shape[axis] = z;
      return { dtype: x.dtype, shape };
    });
  },
  emit: (n, i, o, fresh) => {
    const axis = normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'Split');
    const [c, sz] = constNode(fresh, int64Tensor(intsAttr(n.attrs, 'sizes')));
    return [c, { opType: 'Split', inputs: [i[0], sz], outputs: o, attrs: { axis } }];
  },
};

/** Zero padding before/after along one axis (Slice's gradient). */
export const PadOp: OpDef = {
  name: 'Pad',
  infer: ([x], attrs) => {
    const axis = normAxis(intAttr(attrs, 'axis'), x.rank, 'Pad');
    const d = x.shape[axis];
    if (typeof d !== 'number') throw new ShapeError('Pad: padded axis must be static');
    const shape = [...x.shape];
    shape[axis] = d + intAttr(attrs, 'before') + intAttr(attrs, 'after');
    return [{ dtype: x.dtype, shape }];
  },
  emit: (n, i, o, fresh) => {
    const x = n.inputs[0];
    const axis = normAxis(intAttr(n.attrs, 'axis'), x.rank, 'Pad');
    const pads = new Array<number>(2 * x.rank).fill(0);
    pads[axis] = intAttr(n.attrs, 'before');
    pads[x.rank + axis] = intAttr(n.attrs, 'after');
    const [c, p] = constNode(fresh, int64Tensor(pads));
    return [c, { opType: 'Pad', inputs: [i[0], p], outputs: o, attrs: { mode: 'constant' } }];
  },
};

export const ConcatOp: OpDef = {
  name: 'Concat',
  infer: (xs, attrs) => {
    const axis = normAxis(intAttr(attrs, 'axis'), xs[0].rank, 'Concat');
    let total = 0;
    for (const x of xs) {
      const d = x.shape[axis];
      if (typeof d !== 'number') throw new ShapeError('Concat: concat axis must be static');
      if (x.rank !== xs[0].rank || x.shape.some((e, k) => k !== axis && e !== xs[0].shape[k]))
        throw new ShapeError('Concat: shapes differ off the concat axis');
      total += d;
    }
    const shape = [...xs[0].shape];
    shape[axis] = total;
    return [{ dtype: xs[0].dtype, shape }];
  },
  emit: (n, i, o) => [{ opType: 'Concat', inputs: i, outputs: o, attrs: { axis: intAttr(n.attrs, 'axis') } }],
};

/** The runtime shape of a value as an int64 vector (not differentiable). */
export const ShapeOfOp: OpDef = {
  name: 'Shape',
  infer: ([x]) => [{ dtype: 'int64', shape: [x.rank] }],
  emit: (_n, i, o) => [{ opType: 'Shape', inputs: i, outputs: o }],
};

export const reshape = (x: Value, shape: Shape): Value => {
  // Symbols the input does not carry are read at run time from the graph input that declared them.
  const srcs = new Set<Value>();
  for (const d of shape) {
    if (typeof d === 'string' && !x.shape.includes(d)) {
      const sym = x.graph.symbols.get(d);
      if (sym) srcs.add(sym.value);
    }
  }
  return x.graph.apply1(ReshapeOp, [x, ...srcs], { shape });
};
export const reshapeLike = (x: Value, like: Value): Value => x.graph.apply1(ReshapeLikeOp, [x, like]);
export const expandLike = (x: Value, like: Value): Value => x.graph.apply1(ExpandLikeOp, [x, like]);
export const expand = (x: Value, shape: Shape): Value => x.graph.apply1(ExpandOp, [x], { shape: shape as number[] });
export const transpose = (x: Value, perm: number[]): Value => x.graph.apply1(TransposeOp, [x], { perm });
export const slice = (x: Value, axis: number, start: number, end: number): Value =>
  x.graph.apply1(SliceOp, [x], { axis, start, end });
export const pad = (x: Value, axis: number, before: number, after: number): Value =>
  x.graph.apply1(PadOp, [x], { axis, before, after });
export const concat = (xs: Value[], axis: number): Value => xs[0].graph.apply1(ConcatOp, xs, { axis });
/** Sizes of consecutive pieces of at most `chunk` covering `total` (the last one shorter): `split`'s usual sizes. */
export function chunkSizes(total: number, chunk: number): number[] {
  const sizes: number[] = [];
  for (let s = 0; s < total; s += chunk) sizes.push(Math.min(total, s + chunk) - s);
  return sizes;
}
export const split = (x: Value, axis: number, sizes: readonly number[]): Value[] =>
  sizes.length === 1 ? [x] : x.graph.apply(SplitOp, [x], { axis, sizes: [...sizes] });
export const shapeOf = (x: Value): Value => x.graph.apply1(ShapeOfOp, [x]);
export const unsqueeze = (x: Value, axis: number): Value => {
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  const s: Dim[] = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
};
