/**
 * Tinker datums to and from plain token arrays. A datum is one training sequence: `model_input` holds tokens[0..n-2]
 * and each loss_fn_inputs tensor holds one value per input token, concerning the NEXT token: target_tokens =
 * tokens[1..], weights / logprobs / advantages of tokens[1..]. `datumFromSequence` does that shift once, here.
 */
import { CodError } from '../base/errors.ts';
import type { Datum, TensorData, TensorDtype } from './wire.ts';

export function tensor(data: ArrayLike<number>, dtype: TensorDtype): TensorData {
  const values = Array.from(data);
  return { data: values, dtype, shape: [values.length] };
}

export interface SequenceTokens {
  /** The whole sequence (prompt and response). */
  readonly tokens: readonly number[];
  /** Per token of `tokens` (index t concerns token t; index 0 is never used). */
  readonly weights?: ArrayLike<number>;
  readonly logprobs?: ArrayLike<number>;
  readonly advantages?: ArrayLike<number>;
}

/** One datum from a whole sequence and per-token values aligned with it. */
export function datumFromSequence(s: SequenceTokens): Datum {
  const n = s.tokens.length;
  if (n < 2) throw new CodError('bad_input', `a datum needs at least 2 tokens, got ${n}`, 'tokens');
  const shifted = (a: ArrayLike<number> | undefined, name: string): ArrayLike<number> | undefined => {
    if (a === undefined) return undefined;
    if (a.length !== n) throw new CodError('bad_input', `${a.length} values for ${n} tokens`, name);
    return Array.prototype.slice.call(a, 1) as number[];
  };
  const inputs: Record<string, TensorData> = { target_tokens: tensor(s.tokens.slice(1), 'int64') };
  for (const key of ['weights', 'logprobs', 'advantages'] as const) {
    const v = shifted(s[key], key);
    if (v) inputs[key] = tensor(v, 'float32');
  }
  return {
    model_input: { chunks: [{ tokens: s.tokens.slice(0, n - 1), type: 'encoded_text' }] },
    loss_fn_inputs: inputs,
  };
}

/** The flat values of a wire tensor, checked: dense, shape consistent, integers where int64. */
export function tensorValues(t: TensorData, dtype: TensorDtype, where: string): number[] {
  if (t.sparse_crow_indices != null || t.sparse_col_indices != null)
    throw new CodError('unsupported', 'sparse CSR tensors are not supported; send dense data', where);
  if (t.dtype !== undefined && t.dtype !== dtype)
    throw new CodError('bad_input', `dtype must be ${dtype}, got ${t.dtype}`, where);
  if (t.shape) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new CodError(
        'bad_input',
        `shape [${t.shape.join(', ')}] holds ${n} values, data has ${t.data.length}`,
        where,
      );
    if (t.shape.filter((d) => d !== 1).length > 1)
      throw new CodError('bad_input', `per-token tensors are 1-D, got shape [${t.shape.join(', ')}]`, where);
  }
  if (dtype === 'int64') {
    const bad = t.data.findIndex((x) => !Number.isInteger(x));
    if (bad >= 0) throw new CodError('bad_input', `int64 data holds ${t.data[bad]}`, `${where}.data[${bad}]`);
  }
  return t.data;
}

/** A datum read back into token arrays of equal length (one per input token). */
export interface DatumArrays {
  readonly input: number[];
  readonly targets: number[];
  /** Absent weights mean 1 on every token (SkyRL's default). */
  readonly weights: number[];
  readonly logprobs: number[] | null;
  readonly advantages: number[] | null;
}

export function datumArrays(d: Datum, where: string): DatumArrays {
  const input = d.model_input.chunks.flatMap((c) => c.tokens);
  if (input.length === 0) throw new CodError('bad_input', 'model_input has no tokens', `${where}.model_input`);
  const get = (key: string, dtype: TensorDtype): number[] | null => {
    const t = d.loss_fn_inputs[key];
    if (!t) return null;
    const v = tensorValues(t, dtype, `${where}.loss_fn_inputs.${key}`);
    if (v.length !== input.length)
      throw new CodError(
        'bad_input',
        `${v.length} values for ${input.length} model_input tokens (one per token, aligned with tokens[1:])`,
        `${where}.loss_fn_inputs.${key}`,
      );
    return v;
  };
  const targets = get('target_tokens', 'int64');
  if (!targets) throw new CodError('bad_input', 'target_tokens is required', `${where}.loss_fn_inputs`);
  return {
    input,
    targets,
    weights: get('weights', 'float32') ?? new Array<number>(input.length).fill(1),
    logprobs: get('logprobs', 'float32'),
    advantages: get('advantages', 'float32'),
  };
}
