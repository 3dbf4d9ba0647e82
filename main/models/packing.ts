/**
 * Packing ragged sequences into fixed-size rows: several sequences share a row, positions restart per sequence
 * and segment ids keep attention inside each sequence. Shapes are bucketed so compiled graphs are reused.
 *
 * Loss-mask convention (the CLI's BATCH.json): mask[i][t] = 1 means token t of sequence i is predicted from the
 * tokens before it and counted; position 0 never counts. In a packed row the prediction of token t comes from
 * the logits at column (offset + t - 1), so targets and weights are stored at that column.
 */
import { CodError } from '../base/errors.ts';

export interface RaggedBatch {
  readonly sequences: readonly (readonly number[])[];
  /** Per-token 0/1 loss mask (same ragged shape). */
  readonly lossMask: readonly (readonly number[])[];
}

export interface Placement {
  readonly row: number;
  readonly offset: number;
  readonly length: number;
}

export interface PackedBatch {
  readonly rows: number;
  readonly width: number;
  /** [rows*width] token ids (padding = padId). */
  readonly ids: Int32Array;
  readonly positions: Int32Array;
  /** Segment id per column; padding columns get -1 - row (their own segment, never attended by real tokens). */
  readonly segments: Int32Array;
  /** Next-token target at each column (0 where none). */
  readonly targets: Int32Array;
  /** 1 where the column's next-token prediction is counted by the loss mask. */
  readonly predMask: Float32Array;
  readonly placements: readonly Placement[];
}

/** Round a length up to the bucket grid: multiples of 16 up to 128, then of 64. */
export function bucketWidth(n: number): number {
  if (n <= 128) return Math.max(16, Math.ceil(n / 16) * 16);
  return Math.ceil(n / 64) * 64;
}

/**
 * Row width of a packed training pass: the smallest power of two that holds the longest sequence, at least `min`.
 * Rows hold several sequences each, so a wide row costs little padding (only its tail), and the few widths a run
 * sees keep its compiled graphs reused from step to step instead of one new shape per step.
 */
export function packWidth(maxLen: number, min = 256): number {
  let w = Math.max(1, min);
  while (w < maxLen) w *= 2;
  return w;
}

export function validateRagged(b: RaggedBatch, vocabSize: number, where = 'batch'): void {
  if (!Array.isArray(b.sequences) || b.sequences.length === 0)
    throw new CodError('bad_input', 'sequences must be a non-empty array of token-id arrays', `${where}.sequences`);
  if (!Array.isArray(b.lossMask) || b.lossMask.length !== b.sequences.length)
    throw new CodError(
      'bad_input',
      `loss_mask must have one row per sequence (${b.sequences.length}), got ${Array.isArray(b.lossMask) ? b.lossMask.length : typeof b.lossMask}`,
      `${where}.loss_mask`,
    );
  b.sequences.forEach((s, i) => {
    if (!Array.isArray(s) || s.length === 0)
      throw new CodError('bad_input', 'must be a non-empty array of token ids', `${where}.sequences[${i}]`);
    s.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
        throw new CodError(
          'bad_input',
          `token id ${id} out of vocabulary [0, ${vocabSize})`,
          `${where}.sequences[${i}][${t}]`,
        );
    });
    const m = b.lossMask[i];
    if (!Array.isArray(m) || m.length !== s.length)
      throw new CodError(
        'bad_input',
        `length ${Array.isArray(m) ? m.length : typeof m} does not match sequences[${i}] length ${s.length}`,
        `${where}.loss_mask[${i}]`,
      );
    m.forEach((x, t) => {
      if (x !== 0 && x !== 1)
        throw new CodError('bad_input', `must be 0 or 1, got ${JSON.stringify(x)}`, `${where}.loss_mask[${i}][${t}]`);
    });
  });
}

/**
 * First-fit-decreasing packing into rows of `width` (default: the bucket of the longest sequence).
 * Deterministic: ties keep input order.
 */
export function packBatch(
  b: RaggedBatch,
  opts: { width?: number; padId?: number; minRows?: number } = {},
): PackedBatch {
  const maxLen = Math.max(...b.sequences.map((s) => s.length));
  const width = opts.width ?? bucketWidth(maxLen);
  if (maxLen > width) throw new CodError('bad_input', `a sequence of ${maxLen} tokens exceeds the row width ${width}`);
  const order = b.sequences.map((s, i) => ({ i, n: s.length })).sort((x, y) => y.n - x.n || x.i - y.i);
  const fill: number[] = [];
  const placements: Placement[] = new Array(b.sequences.length);
  for (const { i, n } of order) {
    let row = fill.findIndex((f) => f + n <= width);
    if (row < 0) {
      row = fill.length;
      fill.push(0);
    }
    placements[i] = { row, offset: fill[row], length: n };
    fill[row] += n;
  }
  const rows = Math.max(fill.length, opts.minRows ?? 1);
  const pad = opts.padId ?? 0;
  const ids = new Int32Array(rows * width).fill(pad);
  const positions = new Int32Array(rows * width);
  const segments = new Int32Array(rows * width);
  for (let r = 0; r < rows; r++) segments.fill(-1 - r, r * width, (r + 1) * width);
  const targets = new Int32Array(rows * width);
  const predMask = new Float32Array(rows * width);
  b.sequences.forEach((s, i) => {
    const { row, offset } = placements[i];
    const base = row * width + offset;
    for (let t = 0; t < s.length; t++) {
      ids[base + t] = s[t];
      positions[base + t] = t;
      segments[base + t] = i;
      if (t > 0) {
        targets[base + t - 1] = s[t];
        predMask[base + t - 1] = b.lossMask[i][t];
      }
    }
  });
  return { rows, width, ids, positions, segments, targets, predMask, placements };
}

/** Rows [r0, r1) of a packed batch as a batch of their own (placements of the sequences inside, rebased). */
export function sliceRows(p: PackedBatch, r0: number, r1: number): PackedBatch & { readonly members: number[] } {
  const a = r0 * p.width;
  const b = r1 * p.width;
  const members: number[] = [];
  const placements: Placement[] = [];
  p.placements.forEach((pl, i) => {
    if (pl.row < r0 || pl.row >= r1) return;
    members.push(i);
    placements.push({ row: pl.row - r0, offset: pl.offset, length: pl.length });
  });
  return {
    rows: r1 - r0,
    width: p.width,
    ids: p.ids.subarray(a, b),
    positions: p.positions.subarray(a, b),
    segments: p.segments.subarray(a, b),
    targets: p.targets.subarray(a, b),
    predMask: p.predMask.subarray(a, b),
    placements,
    members,
  };
}

/** Per-column values [rows*width] back to per-sequence arrays, token t at index t (null at t = 0). */
export function unpackPerToken(p: PackedBatch, perColumn: ArrayLike<number>): Array<Array<number | null>> {
  return p.placements.map(({ row, offset, length }) => {
    const out: Array<number | null> = [null];
    for (let t = 1; t < length; t++) out.push(perColumn[row * p.width + offset + t - 1]);
    return out;
  });
}
