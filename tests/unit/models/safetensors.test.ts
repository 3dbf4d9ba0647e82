import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  fromFloat32,
  fromFloat32AsBf16,
  readSafetensorsFile,
  readSafetensorsHeader,
  toFloat32,
  writeSafetensorsFile,
  type NamedTensor,
} from '../../../main/models/safetensors.ts';
import { tempDir } from '../../support/temp.ts';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

/** Builds a file by hand from a header object and a data section, to make corrupt variants. */
function rawFile(header: unknown, data: Uint8Array, headerLenOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLenOverride ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectCodError(f: () => unknown, ...fragments: string[]): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CodError);
    for (const s of fragments) expect((e as Error).message).toContain(s);
    return;
  }
  throw new Error('expected a CodError');
}

const f32 = (name: string, shape: number[], values: number[]): NamedTensor =>
  fromFloat32(name, shape, Float32Array.from(values));

describe('safetensors encode/decode', () => {
  it('round-trips tensors and metadata, with an 8-byte aligned data section', () => {
    const a = f32('a', [2, 3], [1, 2, 3, 4, 5, -6.5]);
    const b: NamedTensor = { name: 'b', dtype: 'I64', shape: [2], data: new Uint8Array(16).fill(7) };
    const empty: NamedTensor = { name: 'empty', dtype: 'F16', shape: [0, 4], data: new Uint8Array(0) };
    const bytes = encodeSafetensors([a, b, empty], { format: 'pt' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const back = decodeSafetensors(bytes, 'mem');
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(back.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['a', 'F32', [2, 3]],
      ['b', 'I64', [2]],
      ['empty', 'F16', [0, 4]],
    ]);
    expect(Array.from(toFloat32(back.tensors[0], 'mem'))).toEqual([1, 2, 3, 4, 5, -6.5]);
    expect(Array.from(back.tensors[1].data)).toEqual(Array(16).fill(7));
  });

  it('converts F16, BF16 and F64 to float32 exactly, including specials', () => {
    const half = new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x8000, 0x3555]);
    const t: NamedTensor = { name: 'h', dtype: 'F16', shape: [8], data: new Uint8Array(half.buffer) };
    expect(Array.from(toFloat32(t, 'x'))).toEqual([1, -2, 2 ** -24, 65504, Infinity, -Infinity, -0, 0.333251953125]);
    const nan: NamedTensor = {
      name: 'n',
      dtype: 'F16',
      shape: [1],
      data: new Uint8Array(new Uint16Array([0x7e00]).buffer),
    };
    expect(Number.isNaN(toFloat32(nan, 'x')[0])).toBe(true);
    const bf = fromFloat32AsBf16('b', [3], Float32Array.from([1, -3.5, 1 + 2 ** -8]));
    // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: round to even gives 1.
    expect(Array.from(toFloat32(bf, 'x'))).toEqual([1, -3.5, 1]);
    const f64: NamedTensor = {
      name: 'd',
      dtype: 'F64',
      shape: [2],
      data: new Uint8Array(Float64Array.from([0.5, -1e10]).buffer),
    };
    expect(Array.from(toFloat32(f64, 'x'))).toEqual([0.5, -1e10].map(Math.fround));
  });

  it('rejects integer tensors in toFloat32 and mismatched data in encode', () => {
    const i: NamedTensor = { name: 'ids', dtype: 'I32', shape: [1], data: new Uint8Array(4) };
    expectCodError(() => toFloat32(i, 'ckpt'), "tensor 'ids' has dtype I32");
    expectCodError(
      () => encodeSafetensors([{ name: 'w', dtype: 'F32', shape: [3], data: new Uint8Array(8) }]),
      "tensor 'w'",
      'needs 12',
    );
    expectCodError(() => encodeSafetensors([f32('w', [1], [1]), f32('w', [1], [2])]), "tensor 'w'", 'duplicate');
    expectCodError(() => fromFloat32('w', [2, 2], new Float32Array(3)), "tensor 'w'");
  });

  it('keeps tensor and metadata names that are special in JavaScript objects', () => {
    const metadata = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    const bytes = encodeSafetensors([f32('__proto__', [1], [4]), f32('constructor', [1], [5])], metadata);
    const back = decodeSafetensors(bytes, 'mem');
    expect(back.tensors.map((t) => [t.name, toFloat32(t, 'mem')[0]])).toEqual([
      ['__proto__', 4],
      ['constructor', 5],
    ]);
    expect(Object.getOwnPropertyDescriptor(back.metadata, '__proto__')?.value).toBe('x');
  });

  it('reads tensor data at unaligned offsets', () => {
    // An odd-length header puts the F32 data at an unaligned offset inside the file buffer.
    const header = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const data = new Uint8Array(Float32Array.from([1.5, -2]).buffer);
    let bytes = rawFile(header, data);
    if ((bytes.length - 8) % 4 === 0) bytes = rawFile(JSON.stringify(header) + ' ', data);
    expect(Array.from(toFloat32(decodeSafetensors(bytes, 'f').tensors[0], 'f'))).toEqual([1.5, -2]);
  });
});

describe('safetensors validation', () => {
  const good = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const data8 = new Uint8Array(8);
  const cases: Array<[string, Uint8Array, string[]]> = [
    ['too short', new Uint8Array(5), ['f.safetensors', 'too short']],
    ['header length past end', rawFile(good, data8, 10_000), ['header length 10000 exceeds the file size']],
    ['header length absurd', rawFile(good, data8, 2 ** 40), ['exceeds the 100000000-byte limit']],
    ['header not JSON', rawFile('{"w": [', data8), ['not valid UTF-8 JSON']],
    ['header not an object', rawFile([1, 2], data8), ['must be a JSON object']],
    [
      'unknown dtype',
      rawFile({ w: { dtype: 'F8', shape: [8], data_offsets: [0, 8] } }, data8),
      ["tensor 'w'", 'unknown dtype "F8"'],
    ],
    [
      'negative dim',
      rawFile({ w: { dtype: 'U8', shape: [-8], data_offsets: [0, 8] } }, data8),
      ["tensor 'w'", 'shape'],
    ],
    [
      'fractional dim',
      rawFile({ w: { dtype: 'U8', shape: [2.5], data_offsets: [0, 8] } }, data8),
      ["tensor 'w'", 'shape'],
    ],
    [
      'offsets out of range',
      rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, data8),
      ["tensor 'w'", 'out of range'],
    ],
    [
      'offsets reversed',
      rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, data8),
      ["tensor 'w'", 'out of range'],
    ],
    [
      'size vs shape',
      rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data8),
      ["tensor 'w'", 'needs 12'],
    ],
    [
      'overlap',
      rawFile(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        },
        data8,
      ),
      ["tensor 'b' overlaps tensor 'a'"],
    ],
    [
      'gap',
      rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8),
      ["tensor 'w'", 'unused bytes 0..4'],
    ],
    ['trailing garbage', rawFile(good, new Uint8Array(12)), ['4 trailing bytes']],
    ['bad metadata', rawFile({ __metadata__: { a: 1 }, ...good }, data8), ['__metadata__.a must be a string']],
    ['entry not object', rawFile({ w: 3 }, data8), ["tensor 'w'", 'must be an object']],
  ];
  for (const [label, bytes, fragments] of cases) {
    it(`rejects ${label}`, () =>
      expectCodError(() => decodeSafetensors(bytes, 'f.safetensors'), 'f.safetensors', ...fragments));
  }

  it('validates the header when reading only the header from disk', async () => {
    const dir = tempDir('st');
    const p = join(dir, 'bad.safetensors');
    writeFileSync(p, rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data8));
    await expect(readSafetensorsHeader(p)).rejects.toThrow(/bad\.safetensors: tensor 'w'.*needs 12/);
    await expect(readSafetensorsFile(join(dir, 'none.safetensors'))).rejects.toThrow(
      /none\.safetensors: file not found/,
    );
  });
});

describe('safetensors files', () => {
  it('writes atomically (no temp file left) and reads back', async () => {
    const dir = tempDir('st');
    const p = join(dir, 'model.safetensors');
    await writeSafetensorsFile(p, [f32('a', [3], [1, 2, 3]), f32('b', [1, 1], [9])], { k: 'v' });
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    const back = await readSafetensorsFile(p);
    expect(back.metadata).toEqual({ k: 'v' });
    expect(back.tensors.map((t) => Array.from(toFloat32(t, p)))).toEqual([[1, 2, 3], [9]]);
    expect(
      Buffer.from(readFileSync(p)).equals(
        Buffer.from(encodeSafetensors([f32('a', [3], [1, 2, 3]), f32('b', [1, 1], [9])], { k: 'v' })),
      ),
    ).toBe(true);
  });
});

describe.skipIf(!hasTorch)('safetensors interoperability with PyTorch (Debian torch)', () => {
  it('reads a file PyTorch wrote by hand (struct + json), every float dtype bit-exact', () => {
    const dir = tempDir('st-py');
    const script = `
import json, struct, sys, torch
torch.manual_seed(0)
src = torch.randn(3, 5) * 100
ts = {
  'f32': src, 'f16': src.half(), 'bf16': src.bfloat16(), 'f64': src.double(),
  'i64': torch.arange(-3, 3, dtype=torch.int64), 'u8': torch.arange(0, 250, 50, dtype=torch.uint8),
  'b': torch.tensor([True, False, True]),
}
codes = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64',
         torch.int64: 'I64', torch.uint8: 'U8', torch.bool: 'BOOL'}
header, blobs, off = {'__metadata__': {'format': 'pt'}}, [], 0
for name, t in sorted(ts.items()):
  raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
  header[name] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
  blobs.append(raw); off += len(raw)
h = json.dumps(header).encode()
h += b' ' * (-len(h) % 8)
with open(sys.argv[1] + '/py.safetensors', 'wb') as f:
  f.write(struct.pack('<Q', len(h))); f.write(h); [f.write(b) for b in blobs]
json.dump({k: v.double().flatten().tolist() for k, v in ts.items()}, open(sys.argv[1] + '/values.json', 'w'))
`;
    const r = spawnSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(dir, 'py.safetensors')), 'py');
    expect(metadata).toEqual({ format: 'pt' });
    const values = JSON.parse(readFileSync(join(dir, 'values.json'), 'utf8')) as Record<string, number[]>;
    const byName = new Map(tensors.map((t) => [t.name, t]));
    for (const name of ['f32', 'f16', 'bf16', 'f64']) {
      const t = byName.get(name)!;
      expect(t.shape).toEqual([3, 5]);
      expect(Array.from(toFloat32(t, 'py'))).toEqual(values[name].map(Math.fround));
    }
    const i64 = byName.get('i64')!;
    expect(Array.from(new BigInt64Array(i64.data.slice().buffer)).map(Number)).toEqual(values.i64);
    expect(Array.from(byName.get('u8')!.data)).toEqual(values.u8);
    expect(Array.from(byName.get('b')!.data)).toEqual([1, 0, 1]);
  });

  it('writes files PyTorch reads back exactly; bf16 rounding matches torch', async () => {
    const dir = tempDir('st-ts');
    const values = Float32Array.from({ length: 24 }, (_, i) => Math.fround(Math.sin(i * 1.7) * 10 ** (i % 5)));
    await writeSafetensorsFile(
      join(dir, 'ts.safetensors'),
      [fromFloat32('w', [4, 6], values), fromFloat32AsBf16('w_bf16', [4, 6], values)],
      { written_by: 'cod' },
    );
    writeFileSync(join(dir, 'src.json'), JSON.stringify(Array.from(values)));
    const script = `
import json, struct, sys, torch
d = sys.argv[1]
buf = open(d + '/ts.safetensors', 'rb').read()
(n,) = struct.unpack('<Q', buf[:8])
header = json.loads(buf[8:8 + n])
dt = {'F32': torch.float32, 'BF16': torch.bfloat16}
out = {'meta': header.pop('__metadata__')}
for name, e in header.items():
  b, end = e['data_offsets']
  raw = bytearray(buf[8 + n + b: 8 + n + end])
  t = torch.frombuffer(raw, dtype=torch.int16 if e['dtype'] == 'BF16' else torch.float32)
  if e['dtype'] == 'BF16': t = t.view(torch.bfloat16)
  out[name] = {'shape': e['shape'], 'values': t.reshape(e['shape']).double().flatten().tolist()}
src = torch.tensor(json.load(open(d + '/src.json')), dtype=torch.float32)
out['torch_bf16'] = src.bfloat16().double().tolist()
print(json.dumps(out))
`;
    const r = spawnSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, { shape: number[]; values: number[] }> & {
      meta: Record<string, string>;
      torch_bf16: number[];
    };
    expect(out.meta).toEqual({ written_by: 'cod' });
    expect(out.w.shape).toEqual([4, 6]);
    expect(out.w.values).toEqual(Array.from(values));
    expect(out.w_bf16.values).toEqual(out.torch_bf16);
  });
});
