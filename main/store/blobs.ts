/**
 * Token ids and per-token floats as compact BLOBs: the raw little-endian bytes of an Int32Array / Float32Array
 * (4 bytes per token instead of a JSON number). Little-endian is fixed so a store moves between machines.
 */
import { badInput } from './validate.ts';
import type { FloatSeq, IntSeq } from './types.ts';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function toLittleEndianBytes(a: Int32Array | Float32Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Int32Array) view.setInt32(i * 4, a[i], true);
    else view.setFloat32(i * 4, a[i], true);
  }
  return out;
}

export function int32Array(seq: IntSeq, where: string): Int32Array {
  if (seq instanceof Int32Array) return seq;
  if (!Array.isArray(seq)) badInput(where, 'expected an array of token ids or an Int32Array');
  const out = new Int32Array(seq.length);
  for (let i = 0; i < seq.length; i++) {
    const v = seq[i];
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      badInput(`${where}[${i}]`, `expected a 32-bit integer token id, got ${String(v)}`);
    }
    out[i] = v;
  }
  return out;
}

export function float32Array(seq: FloatSeq, where: string): Float32Array {
  if (seq instanceof Float32Array) return seq;
  if (!Array.isArray(seq)) badInput(where, 'expected an array of numbers or a Float32Array');
  const out = new Float32Array(seq.length);
  for (let i = 0; i < seq.length; i++) {
    const v = seq[i];
    if (typeof v !== 'number') badInput(`${where}[${i}]`, `expected a number, got ${typeof v}`);
    out[i] = v;
  }
  return out;
}

export function encodeInts(a: Int32Array): Uint8Array {
  return toLittleEndianBytes(a);
}

export function encodeFloats(a: Float32Array): Uint8Array {
  return toLittleEndianBytes(a);
}

function littleEndianView(blob: Uint8Array, where: string): DataView {
  if (blob.byteLength % 4 !== 0) badInput(where, `stored blob of ${blob.byteLength} bytes is not 4-byte values`);
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
}

export function decodeInts(blob: Uint8Array, where: string): Int32Array {
  const view = littleEndianView(blob, where);
  const out = new Int32Array(blob.byteLength / 4);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(blob);
  else for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}

export function decodeFloats(blob: Uint8Array, where: string): Float32Array {
  const view = littleEndianView(blob, where);
  const out = new Float32Array(blob.byteLength / 4);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(blob);
  else for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
