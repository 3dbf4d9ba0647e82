/**
 * Recomputation (gradient checkpointing) for a static-graph compiler: `remat(inputs, fn)` builds fn's forward once
 * for the forward pass and, when autodiff reaches the region, builds it AGAIN inside the backward pass and
 * differentiates that copy. The forward copy's intermediates then die as soon as the region's outputs exist
 * (onnxruntime frees a tensor after its last reader), and the backward copy's live only while that region's
 * gradient is computed: memory is the region's inputs and outputs, not everything inside it.
 *
 * Two things would silently undo that in onnxruntime, and both are handled by "tying" the recomputation's inputs to
 * the incoming cotangent (x' = x + 0·Σg, a cheap pass over x):
 *   - common-subexpression elimination would merge the two identical copies back into one, and
 *   - the topological order could run the copy early, in the forward pass.
 * With the tie, the copy depends on a value that exists only in the backward pass. Frozen weights (values computed
 * from initializers alone) and float graph inputs (trainable parameters, which live for the whole run anyway) are not
 * tied: a pass over a weight matrix per region would cost more than it saves.
 *
 * A region must be a pure function of its inputs: any value it reads that is not one of `inputs` must be derived from
 * initializers only (checked when it is built), so the recomputed copy sees exactly what the first one saw and no
 * gradient can leak around the region.
 */
import { onAccumulated, vjp } from './autodiff.ts';
import { defineGradient } from './gradients.ts';
import { isFloat } from './dtype.ts';
import type { Graph, Node, OpDef, Value } from './graph.ts';
import { constLike } from './ops/constant.ts';
import { add, mul, stopGradient } from './ops/elementwise.ts';
import { cast, equal } from './ops/index-ops.ts';
import { sumAll } from './ops/reduce.ts';
import { concat, reshape, slice } from './ops/shape.ts';

const constantCache = new WeakMap<Graph, Map<number, boolean>>();

/**
 * Per graph, a scalar that exists once the gradients of the region whose backward was built last have been added into
 * the running sums of its inputs' gradients (set by the onAccumulated hook in remat). The next
 * region's recomputation is tied to it too, so the regions' backward passes run one after another, in the order
 * autodiff builds them. Without it onnxruntime may order them otherwise and keep several regions' recomputed
 * activations (a loss chunk's [chunk, vocabulary] logits, an attention block's scores) alive at once: one LoRA step of
 * a 2-layer Qwen3-0.6B-shaped model at T = 4096 peaked at 4.56 GB without the chain and 3.69 GB with it
 * (scripts/bench-memory.ts --child on such a model, 1 thread). A value built later never feeds one built earlier, so
 * the chain cannot close a cycle.
 */
const lastBackward = new WeakMap<Graph, Value>();

/** True when `v` is computed from initializers alone (frozen weights, constants): onnxruntime folds or keeps it. */
export function isConstantDerived(v: Value): boolean {
  let memo = constantCache.get(v.graph);
  if (!memo) constantCache.set(v.graph, (memo = new Map()));
  const stack: Value[] = [v];
  while (stack.length > 0) {
    const x = stack[stack.length - 1];
    if (memo.has(x.id)) {
      stack.pop();
      continue;
    }
    if (!x.producer) {
      memo.set(x.id, x.graph.inputs.find((i) => i.value === x)?.kind === 'initializer');
      stack.pop();
      continue;
    }
    const pending = x.producer.inputs.filter((i) => !memo.has(i.id));
    if (pending.length > 0) {
      stack.push(...pending);
      continue;
    }
    memo.set(
      x.id,
      x.producer.inputs.every((i) => memo.get(i.id)),
    );
    stack.pop();
  }
  return memo.get(v.id)!;
}

function isGraphInput(v: Value): boolean {
  return !v.producer && v.graph.inputs.some((i) => i.value === v && i.kind === 'input');
}

/** Whether a region input is tied to the cotangent when recomputed (see the module comment). */
function needsTie(v: Value): boolean {
  if (isConstantDerived(v)) return false;
  return !(isGraphInput(v) && isFloat(v.dtype));
}

export class RematError extends Error {}

/**
 * Runs `fn(inputs)` as a recomputed region: returns its outputs; their VJP recomputes fn. `name` labels errors.
 * Pass every non-constant value the region reads (activations, trainable parameters, integer inputs) in `inputs`.
 */
export function remat(name: string, inputs: readonly Value[], fn: (xs: Value[]) => Value[]): Value[] {
  const g = inputs[0].graph;
  for (const x of inputs)
    if (x.dtype === 'bool') throw new RematError(`remat '${name}': bool inputs are not supported (pass int64)`);
  const detached = inputs.map((x) => stopGradient(x));
  const first = g.nodes.length;
  const inner = fn(detached);
  checkPure(name, g.nodes.slice(first), new Set(detached.map((d) => d.id)));

  const nIn = inputs.length;
  const op: OpDef = {
    name: 'Remat',
    infer: (ins) => ins.slice(nIn).map((o) => ({ dtype: o.dtype, shape: o.shape })),
    emit: (_n, i, o) => o.map((out, k) => ({ opType: 'Identity', inputs: [i[nIn + k]], outputs: [out] })),
  };
  defineGradient(op, (node: Node, grads) => {
    const seed = grads.find((x): x is Value => x !== null)!;
    // 0, but only once the cotangent exists and the region whose backward was built before this one has its
    // gradients (see lastBackward).
    const after = lastBackward.get(g);
    const zero = mul(
      after ? add(sumAll(seed), after.dtype === seed.dtype ? after : cast(after, seed.dtype)) : sumAll(seed),
      constLike(seed, 0),
    );
    const tied = node.inputs.slice(0, nIn).map((x) => {
      if (!needsTie(x)) return x;
      if (isFloat(x.dtype)) return add(x, x.dtype === zero.dtype ? zero : cast(zero, x.dtype));
      return add(x, cast(zero, x.dtype));
    });
    // Differentiate through the recomputed copy only: the region's inputs are leaves here (the outer walk carries
    // their gradient on), even where an input itself depends on another input (a tied embedding feeds both).
    const from = g.nodes.length;
    const outs = fn(tied);
    const wrt = tied.map((t) => (isFloat(t.dtype) ? t : null));
    const floatWrt = wrt.filter((w): w is Value => w !== null);
    const cots = outs.map((o, k) => (isFloat(o.dtype) ? grads[k] : null));
    if (floatWrt.length === 0 || cots.every((c) => c === null)) return node.inputs.map(() => null);
    const gs = vjp(outs, cots, floatWrt, from);
    let at = 0;
    return [...wrt.map((w) => (w ? gs[at++] : null)), ...inner.map(() => null)];
  });
  // The next region's backward waits for this one's gradients to be ADDED into the running sums of its inputs'
  // gradients: a region over whole q, k, v (an attention block) returns gradients of their full size, and chained on
  // the raw gradients onnxruntime kept every block's full-size gradients until the sums at the end (a 2-layer
  // Qwen3-0.6B-shaped step at T = 8192 peaked at 8.6 GB, against 3.7 GB at T = 4096). One element of each sum is
  // enough to depend on the addition.
  onAccumulated(op, (_node, sums) => {
    const after = dependOn(sums.slice(0, nIn).filter((x): x is Value => x !== null && isFloat(x.dtype)));
    if (after) lastBackward.set(g, after);
  });
  return g.apply(op, [...inputs, ...inner]);
}

/** A float32 scalar that exists only once every value in `vs` does (one element of each), or undefined if none. */
function dependOn(vs: readonly Value[]): Value | undefined {
  const firsts = vs.map((x) => {
    const one = slice(reshape(x, [-1]), 0, 0, 1);
    return one.dtype === 'float32' ? one : cast(one, 'float32');
  });
  if (firsts.length === 0) return undefined;
  return sumAll(firsts.length === 1 ? firsts[0] : concat(firsts, 0));
}

/**
 * Makes the first recomputed region's backward wait for `values` (the forward pass's outputs: the loss and what the
 * objective reports). Those are read by nothing in the backward pass (it recomputes the regions), so onnxruntime
 * could schedule their last producers anywhere, and it did: one loss chunk's forward copy ran after the whole
 * backward pass, and the planner held that chunk's [tokens, vocabulary] buffers (reserved for it) from the forward
 * to the end: 1 GB of a 2-layer Qwen3-0.6B-shaped step (docs/engine.md, "Why the planner held memory"). Call before
 * `grad`.
 */
export function backwardAfter(values: readonly Value[]): void {
  const floats = values.filter((v) => isFloat(v.dtype));
  const after = dependOn(floats);
  // 1 where the loss is a number, 0 where it is NaN: always finite, so a non-finite loss cannot reach the gradients
  // through the tie (0 · inf would).
  if (after) lastBackward.set(floats[0].graph, cast(equal(after, after), 'float32'));
}

/** Every value the region's nodes read is produced inside it, is one of its inputs, or is constant-derived. */
function checkPure(name: string, nodes: readonly Node[], inputIds: ReadonlySet<number>): void {
  const produced = new Set<number>(inputIds);
  for (const n of nodes) {
    for (const x of n.inputs) {
      if (produced.has(x.id) || isConstantDerived(x)) continue;
      throw new RematError(
        `remat '${name}': the region reads ${x.name ?? `v${x.id}`} (${x.dtype} [${x.shape.join(', ')}]) ` +
          'that is neither one of its inputs nor constant; pass it as an input',
      );
    }
    for (const o of n.outputs) produced.add(o.id);
  }
}
