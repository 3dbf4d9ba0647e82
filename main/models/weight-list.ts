/** Model parameters as they cross a thread or process boundary: names with Float32Arrays, checked against the config. */
import { CodError } from '../base/errors.ts';
import type { ModelConfig } from './config.ts';
import { parameterSpecs } from './transformer.ts';

export type WeightList = Array<[string, Float32Array]>;

/** Copies (the sender keeps its own arrays) and the buffers to transfer. */
export function packWeights(params: ReadonlyMap<string, Float32Array>): { list: WeightList; transfer: ArrayBuffer[] } {
  const list: WeightList = [...params].map(([n, a]) => [n, Float32Array.from(a)]);
  return { list, transfer: list.map(([, a]) => a.buffer as ArrayBuffer) };
}

/** Every parameter of `config`, checked by unpackTensors. */
export function unpackWeights(config: ModelConfig, list: unknown, where: string): Map<string, Float32Array> {
  return unpackTensors(parameterSpecs(config), list, where);
}

/** A weight list checked against `specs` (a model's parameters, or a LoRA adapter's tensors): each there, each sized. */
export function unpackTensors(
  specs: ReadonlyArray<{ readonly name: string; readonly shape: readonly number[] }>,
  list: unknown,
  where: string,
): Map<string, Float32Array> {
  if (!Array.isArray(list)) throw new CodError('bad_input', 'weights must be a list of [name, Float32Array]', where);
  const got = new Map<string, Float32Array>();
  for (const e of list as unknown[]) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !(e[1] instanceof Float32Array))
      throw new CodError('bad_input', 'weights must be a list of [name, Float32Array]', where);
    got.set(e[0], e[1]);
  }
  for (const s of specs) {
    const a = got.get(s.name);
    const n = s.shape.reduce((x, y) => x * y, 1);
    if (!a || a.length !== n) throw new CodError('bad_input', `weight ${s.name} missing or of the wrong size`, where);
  }
  return got;
}
