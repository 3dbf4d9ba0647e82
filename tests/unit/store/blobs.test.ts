import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import {
  decodeFloats,
  decodeInts,
  encodeFloats,
  encodeInts,
  float32Array,
  int32Array,
} from '../../../main/store/blobs.ts';

describe('token blobs', () => {
  it('round-trips int32 token ids and float32 values as 4 little-endian bytes each', () => {
    const ids = int32Array([0, 1, -1, 151_643, 2 ** 31 - 1, -(2 ** 31)], 'ids');
    const bytes = encodeInts(ids);
    expect(bytes.byteLength).toBe(24);
    expect(Array.from(bytes.subarray(4, 8))).toEqual([1, 0, 0, 0]);
    expect(Array.from(decodeInts(bytes, 'x'))).toEqual(Array.from(ids));
    const lp = float32Array([-0.125, -3.5, 0, Number.NEGATIVE_INFINITY], 'lp');
    expect(Array.from(decodeFloats(encodeFloats(lp), 'x'))).toEqual([-0.125, -3.5, 0, Number.NEGATIVE_INFINITY]);
  });

  it('decodes from an unaligned view', () => {
    const buf = new Uint8Array(9);
    buf.set(encodeInts(new Int32Array([5, -6])), 1);
    expect(Array.from(decodeInts(buf.subarray(1), 'x'))).toEqual([5, -6]);
  });

  it('rejects non-integer or out-of-range token ids and ragged blobs', () => {
    for (const bad of [[1.5], [2 ** 31], [Number.NaN], ['1' as unknown as number]]) {
      expect(() => int32Array(bad, 'ids')).toThrow(CodError);
    }
    expect(() => float32Array(['a' as unknown as number], 'lp')).toThrow(/lp\[0\]/);
    expect(() => decodeInts(new Uint8Array(7), 'x')).toThrow(CodError);
  });
});
