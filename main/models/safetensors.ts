/**
 * The safetensors checkpoint format: an 8-byte little-endian header length N, N bytes of JSON header
 * (`{"__metadata__": {...}, "<name>": {"dtype", "shape", "data_offsets": [begin, end]}}`), then the raw
 * little-endian tensor data. No maintained npm library implements it, so it is written here; validation follows the
 * reference Rust implementation (offsets contiguous from 0, sizes match shapes, no trailing bytes).
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { CodError } from '../base/errors.ts';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface NamedTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Raw little-endian bytes. */
  data: Uint8Array;
}

/** Where one tensor lives inside a safetensors file, as its header says. */
export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range relative to the start of the data section (after the header). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: TensorEntry[];
  metadata: Record<string, string>;
  /** Absolute byte offset of the data section in the file. */
  dataStart: number;
}

export const DTYPE_SIZE: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Same cap as the reference implementation: a larger header is corrupt, not a model. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.hasOwn(DTYPE_SIZE, s);
}

/** Sets an own property even for names like '__proto__', which plain assignment would turn into a prototype. */
function ownSet(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Reads the header length prefix; validates it against the total size. */
function headerLength(prefix: Uint8Array, totalSize: number, where: string): number {
  if (totalSize < 8 || prefix.length < 8) {
    throw new CodError('bad_checkpoint', `file is ${totalSize} bytes, too short for a safetensors header`, where);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new CodError('bad_checkpoint', `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`, where);
  }
  if (Number(n) > totalSize - 8) {
    throw new CodError('bad_checkpoint', `header length ${n} exceeds the file size (${totalSize} bytes)`, where);
  }
  return Number(n);
}

/**
 * Parses and validates a header (the JSON bytes) against the data section size: dtypes known, shapes of
 * non-negative integers, offsets in range, contiguous and non-overlapping, sizes equal to prod(shape) * itemsize.
 */
export function parseSafetensorsHeader(
  json: Uint8Array,
  dataSize: number,
  where: string,
): Omit<SafetensorsHeader, 'dataStart'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw new CodError('bad_checkpoint', `header is not valid UTF-8 JSON (${(e as Error).message})`, where);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CodError('bad_checkpoint', 'header must be a JSON object', where);
  }
  const metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new CodError('bad_checkpoint', '__metadata__ must be an object of strings', where);
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new CodError('bad_checkpoint', `__metadata__.${k} must be a string`, where);
        ownSet(metadata, k, v);
      }
      continue;
    }
    entries.push(parseEntry(name, value, dataSize, where));
  }
  checkLayout(entries, dataSize, where);
  return { entries, metadata };
}

function parseEntry(name: string, value: unknown, dataSize: number, where: string): TensorEntry {
  const at = `tensor '${name}'`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CodError('bad_checkpoint', `${at}: header entry must be an object`, where);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isDtype(dtype)) {
    throw new CodError('bad_checkpoint', `${at}: unknown dtype ${JSON.stringify(dtype)}`, where);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new CodError('bad_checkpoint', `${at}: shape must be a list of non-negative integers`, where);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
  ) {
    throw new CodError('bad_checkpoint', `${at}: data_offsets must be two non-negative integers`, where);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataSize) {
    throw new CodError(
      'bad_checkpoint',
      `${at}: data_offsets [${begin}, ${end}] out of range (data section is ${dataSize} bytes)`,
      where,
    );
  }
  const expected = numel(shape as number[]) * DTYPE_SIZE[dtype];
  if (end - begin !== expected) {
    throw new CodError(
      'bad_checkpoint',
      `${at}: ${end - begin} bytes of data but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`,
      where,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Offsets must tile the data section exactly: no overlap, no gap, no trailing bytes. */
function checkLayout(entries: TensorEntry[], dataSize: number, where: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: TensorEntry | undefined;
  for (const e of sorted) {
    if (e.begin < cursor) {
      throw new CodError('bad_checkpoint', `tensor '${e.name}' overlaps tensor '${previous?.name}'`, where);
    }
    if (e.begin > cursor) {
      throw new CodError(
        'bad_checkpoint',
        `tensor '${e.name}': unused bytes ${cursor}..${e.begin} before its data (offsets must be contiguous)`,
        where,
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataSize) {
    throw new CodError('bad_checkpoint', `${dataSize - cursor} trailing bytes after the last tensor`, where);
  }
}

export function decodeSafetensors(
  bytes: Uint8Array,
  where: string,
): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  const n = headerLength(bytes, bytes.length, where);
  const dataStart = 8 + n;
  const { entries, metadata } = parseSafetensorsHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, where);
  const tensors = entries.map((e) => ({
    name: e.name,
    dtype: e.dtype,
    shape: e.shape,
    // A view, not a copy: decoding a large checkpoint must not double its memory. A plain Uint8Array even when
    // given a Buffer, whose slice() would share memory where callers expect a copy.
    data: new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart + e.begin, e.end - e.begin),
  }));
  return { tensors, metadata };
}

/**
 * The file as a list of byte chunks (header, then each tensor's data), so a writer can stream a checkpoint larger
 * than one buffer without concatenating it.
 */
export function safetensorsChunks(tensors: NamedTensor[], metadata?: Record<string, string>): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) ownSet(header, METADATA_KEY, metadata);
  let offset = 0;
  for (const t of tensors) {
    const at = `tensor '${t.name}'`;
    if (t.name === METADATA_KEY || Object.hasOwn(header, t.name)) {
      throw new CodError('bad_input', `${at}: duplicate or reserved tensor name`);
    }
    if (!isDtype(t.dtype)) throw new CodError('bad_input', `${at}: unknown dtype ${JSON.stringify(t.dtype)}`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CodError('bad_input', `${at}: shape must be non-negative integers`);
    }
    const size = numel(t.shape) * DTYPE_SIZE[t.dtype];
    if (t.data.length !== size) {
      throw new CodError(
        'bad_input',
        `${at}: ${t.data.length} bytes of data but shape [${t.shape.join(', ')}] of ${t.dtype} needs ${size}`,
      );
    }
    ownSet(header, t.name, { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] });
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces to a multiple of 8 (as the Python writer does) so tensor data stays aligned.
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return [head, ...tensors.map((t) => t.data)];
}

export function encodeSafetensors(tensors: NamedTensor[], metadata?: Record<string, string>): Uint8Array {
  const chunks = safetensorsChunks(tensors, metadata);
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ---- float conversions (hand-written: Node 22 has no Float16Array) ----

let f16Table: Float32Array | undefined;

/** All 65536 half-precision values as float32, built once: a lookup beats bit-twiddling per element. */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  f16Table = t;
  return t;
}

/** Copies bytes into a fresh, aligned buffer (tensor views inside a file are not necessarily aligned). */
function alignedCopy(data: Uint8Array): ArrayBuffer {
  const buf = new ArrayBuffer(data.length);
  new Uint8Array(buf).set(data);
  return buf;
}

/** A float32 copy of a float tensor (the caller owns it). Assumes a little-endian host, like every Node target. */
export function toFloat32(t: NamedTensor, where: string): Float32Array {
  const n = numel(t.shape);
  const expectedBytes = n * (DTYPE_SIZE[t.dtype] ?? 0);
  if (t.data.length !== expectedBytes) {
    throw new CodError(
      'bad_checkpoint',
      `tensor '${t.name}': ${t.data.length} bytes of data but shape [${t.shape.join(', ')}] of ${t.dtype} needs ${expectedBytes}`,
      where,
    );
  }
  switch (t.dtype) {
    case 'F32':
      return new Float32Array(alignedCopy(t.data));
    case 'F64':
      return Float32Array.from(new Float64Array(alignedCopy(t.data)));
    case 'F16': {
      const table = halfTable();
      const src = new Uint16Array(alignedCopy(t.data));
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]];
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const src = new Uint16Array(alignedCopy(t.data));
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = src[i] << 16;
      return new Float32Array(bits.buffer);
    }
    default:
      throw new CodError('bad_checkpoint', `tensor '${t.name}' has dtype ${t.dtype}, expected a float dtype`, where);
  }
}

export function fromFloat32(name: string, shape: number[], data: Float32Array): NamedTensor {
  if (numel(shape) !== data.length) {
    throw new CodError('bad_input', `tensor '${name}': ${data.length} values do not fit shape [${shape.join(', ')}]`);
  }
  const bytes = new Uint8Array(data.byteLength);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return { name, dtype: 'F32', shape: [...shape], data: bytes };
}

/** float32 -> bfloat16 with round-to-nearest-even (what torch does); NaN stays NaN. */
export function fromFloat32AsBf16(name: string, shape: number[], data: Float32Array): NamedTensor {
  const f32 = fromFloat32(name, shape, data);
  const bits = new Uint32Array(f32.data.buffer, f32.data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const b = bits[i];
    if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) out[i] = (b >>> 16) | 0x40;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return { name, dtype: 'BF16', shape: [...shape], data: new Uint8Array(out.buffer) };
}

// ---- files ----

function ioError(e: unknown, path: string): CodError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new CodError('not_found', 'file not found', path);
  return new CodError('io', err.message ?? String(e), path);
}

/** Reads only the header of a safetensors file (cheap for multi-GB checkpoints) and validates it. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(e, path);
  }
  try {
    const size = (await fh.stat()).size;
    const prefix = new Uint8Array(8);
    await fh.read(prefix, 0, Math.min(8, size), 0);
    const n = headerLength(prefix, size, path);
    const json = new Uint8Array(n);
    await fh.read(json, 0, n, 8);
    const { entries, metadata } = parseSafetensorsHeader(json, size - 8 - n, path);
    return { entries, metadata, dataStart: 8 + n };
  } finally {
    await fh.close();
  }
}

/**
 * Largest single read: `FileHandle.read` with a length above 2^31 - 1 aborts Node natively (exit 134), so every
 * tensor is read in chunks of at most this many bytes, whatever its size.
 */
export const READ_CHUNK_BYTES = 64 * 1024 * 1024;

/** An open safetensors file read tensor by tensor, each in bounded chunks. */
export class SafetensorsReader {
  private constructor(
    readonly path: string,
    readonly header: SafetensorsHeader,
    private readonly fh: FileHandle,
  ) {}

  /** Opens the file and validates its header; no tensor data is read. */
  static async open(path: string): Promise<SafetensorsReader> {
    const header = await readSafetensorsHeader(path);
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw ioError(e, path);
    }
    return new SafetensorsReader(path, header, fh);
  }

  entry(name: string): TensorEntry | undefined {
    return this.header.entries.find((e) => e.name === name);
  }

  /**
   * Calls `onChunk` with consecutive pieces of the tensor's bytes (each at most `chunkBytes`; the buffer is reused,
   * so copy what you keep). Memory stays bounded for a tensor of any size.
   */
  async forEachChunk(
    e: TensorEntry,
    onChunk: (bytes: Uint8Array, offset: number) => void | Promise<void>,
    chunkBytes = READ_CHUNK_BYTES,
  ): Promise<void> {
    const total = e.end - e.begin;
    const buf = new Uint8Array(Math.min(chunkBytes, Math.max(total, 1)));
    for (let at = 0; at < total;) {
      const n = Math.min(buf.length, total - at);
      await this.readInto(e, buf.subarray(0, n), at);
      await onChunk(buf.subarray(0, n), at);
      at += n;
    }
  }

  /** Reads `dst.length` bytes of the tensor starting at byte `from` of its data, in bounded chunks. */
  async readInto(e: TensorEntry, dst: Uint8Array, from = 0): Promise<void> {
    if (from + dst.length > e.end - e.begin) throw new CodError('internal', `read past tensor '${e.name}'`, this.path);
    let done = 0;
    while (done < dst.length) {
      const n = Math.min(READ_CHUNK_BYTES, dst.length - done);
      let bytesRead;
      try {
        ({ bytesRead } = await this.fh.read(dst, done, n, this.header.dataStart + e.begin + from + done));
      } catch (err) {
        throw ioError(err, this.path);
      }
      if (bytesRead === 0) throw new CodError('bad_checkpoint', `tensor '${e.name}': file truncated`, this.path);
      done += bytesRead;
    }
  }

  /** The tensor's bytes in a fresh buffer (read in bounded chunks). */
  async read(e: TensorEntry): Promise<NamedTensor> {
    const data = new Uint8Array(e.end - e.begin);
    await this.readInto(e, data);
    return { name: e.name, dtype: e.dtype, shape: e.shape, data };
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/**
 * Reads a whole safetensors file (or only the tensors `only` names). Each tensor gets its own buffer, filled in
 * bounded chunks, so files and tensors larger than 2 GiB load.
 */
export async function readSafetensorsFile(
  path: string,
  only?: ReadonlySet<string>,
): Promise<{ tensors: NamedTensor[]; metadata: Record<string, string> }> {
  const r = await SafetensorsReader.open(path);
  try {
    const tensors: NamedTensor[] = [];
    for (const e of r.header.entries) if (!only || only.has(e.name)) tensors.push(await r.read(e));
    return { tensors, metadata: r.header.metadata };
  } finally {
    await r.close();
  }
}

/**
 * Writes a file so that readers never see a partial one: temp file in the same directory, fsync, rename.
 * Shared by every checkpoint / registry writer in main/models.
 */
export async function writeFileAtomic(
  path: string,
  chunks: Uint8Array | string | readonly Uint8Array[],
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const parts =
    typeof chunks === 'string' ? [new TextEncoder().encode(chunks)] : chunks instanceof Uint8Array ? [chunks] : chunks;
  let fh;
  try {
    fh = await open(tmp, 'w');
  } catch (e) {
    throw ioError(e, path);
  }
  try {
    for (const p of parts) {
      let done = 0;
      while (done < p.length) done += (await fh.write(p, done, p.length - done)).bytesWritten;
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e instanceof CodError ? e : ioError(e, path);
  }
}

export async function writeSafetensorsFile(
  path: string,
  tensors: NamedTensor[],
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, safetensorsChunks(tensors, metadata));
}
