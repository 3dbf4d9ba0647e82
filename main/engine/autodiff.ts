/**
 * Reverse-mode autodiff over the graph IR. Walks the nodes between `wrt` and `loss` in reverse order and
 * applies each op's VJP rule (gradients.ts), summing cotangents where a value fans out. The backward pass is ordinary
 * graph nodes, so it is emitted and optimised by onnxruntime together with the forward pass.
 */
import { gradientOf } from './gradients.ts';
import { Graph, type Node, type OpDef, type Value } from './graph.ts';
import { constLike } from './ops/constant.ts';
import { add } from './ops/elementwise.ts';
import { expandLike } from './ops/shape.ts';

export class AutodiffError extends Error {}

/**
 * Called once a node's input gradients have been added to the cotangents being accumulated, with the accumulated
 * cotangent of each input (null where none). Recomputation (remat.ts) orders regions' backward passes by it.
 */
export type AccumulatedHook = (node: Node, cotangents: ReadonlyArray<Value | null>) => void;
const accumulatedHooks = new WeakMap<OpDef, AccumulatedHook>();

export function onAccumulated(op: OpDef, hook: AccumulatedHook): void {
  accumulatedHooks.set(op, hook);
}

/** Gradients of scalar `loss` w.r.t. each of `wrt` (a zeros tensor where `loss` does not depend on it). */
export function grad(loss: Value, wrt: readonly Value[], seed?: Value): Value[] {
  if (!seed && loss.rank !== 0) throw new AutodiffError(`grad: loss must be a scalar, got rank ${loss.rank}`);
  return vjp([loss], [seed ?? constLike(loss, 1)], wrt);
}

/**
 * Vector-Jacobian product of several outputs at once: the gradient w.r.t. each of `wrt` of Σ_k <outputs_k, cots_k>
 * (a null cotangent counts as zero). `grad` is its one-output case; recomputation (remat.ts) uses it for a region.
 */
export function vjp(
  outputs: readonly Value[],
  cots: ReadonlyArray<Value | null>,
  wrt: readonly Value[],
  /** Only nodes from this index on are differentiated through: `wrt` are then leaves (a region's inputs). */
  fromNode = 0,
): Value[] {
  const g: Graph = outputs[0].graph;
  // Forward reachability from wrt: only these nodes carry gradient.
  const wrtIds = new Set(wrt.map((v) => v.id));
  const live = new Set<number>(wrtIds);
  const onPath: Node[] = [];
  for (let i = fromNode; i < g.nodes.length; i++) {
    const node = g.nodes[i];
    if (node.inputs.some((x) => live.has(x.id))) {
      onPath.push(node);
      for (const o of node.outputs) live.add(o.id);
    }
  }
  if (!outputs.some((o, k) => cots[k] && live.has(o.id)))
    throw new AutodiffError('grad: loss does not depend on any of the requested values');

  const cot = new Map<number, Value>();
  const accumulate = (v: Value, c: Value | null) => {
    if (!c || !live.has(v.id)) return;
    const prev = cot.get(v.id);
    cot.set(v.id, prev ? add(prev, c) : c);
  };
  outputs.forEach((o, k) => accumulate(o, cots[k]));

  for (let k = onPath.length - 1; k >= 0; k--) {
    const node = onPath[k];
    const outGrads = node.outputs.map((o) => cot.get(o.id) ?? null);
    if (outGrads.every((x) => x === null)) continue;
    const vjp = gradientOf(node.op);
    if (!vjp) continue; // not differentiable: contributes no gradient (e.g. StopGradient, comparisons)
    const inGrads = vjp(node, outGrads);
    if (inGrads.length !== node.inputs.length)
      throw new AutodiffError(`${node.op.name}: VJP returned ${inGrads.length} grads for ${node.inputs.length} inputs`);
    node.inputs.forEach((x, i) => {
      const c = inGrads[i];
      if (
        c &&
        (c.rank !== x.rank ||
          c.shape.some((d, j) => d !== x.shape[j] && typeof d === 'number' && typeof x.shape[j] === 'number'))
      )
        throw new AutodiffError(`${node.op.name}: VJP shape [${c.shape}] for input of shape [${x.shape}]`);
      accumulate(x, c);
    });
    accumulatedHooks.get(node.op)?.(
      node,
      node.inputs.map((x) => cot.get(x.id) ?? null),
    );
  }
  return wrt.map((w) => cot.get(w.id) ?? expandLike(constLike(w, 0), w));
}
