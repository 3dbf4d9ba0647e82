/**
 * Initializers as ONNX external data, both ways the engine emits them: bytes handed to onnxruntime from memory, and
 * bytes at an offset of a file in the session's external folder (the mapped LoRA base). Same results as inline.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EngineSession,
  emitModelWithData,
  gemm,
  Graph,
  tensorData,
  type TensorData,
} from '../../../main/engine/index.ts';
import { tempDir } from '../../support/temp.ts';

const IN = 128;
const OUT = 256; // 128 KiB of float32: past the size at which weights go external
const w = Float32Array.from({ length: OUT * IN }, (_, i) => Math.sin(i));
const x = Float32Array.from({ length: 2 * IN }, (_, i) => Math.cos(i));

async function run(weight: TensorData, externalFolder?: string): Promise<Float32Array> {
  const g = new Graph('ext');
  const input = g.input('x', 'float32', [2, IN]);
  g.output('y', gemm(input, g.constant(weight, 'w'), false, true));
  const { model, externalData } = emitModelWithData(g);
  const s = await EngineSession.create(model, {
    providers: ['cpu'],
    externalData,
    ...(externalFolder ? { externalFolder } : {}),
  });
  try {
    return (await s.run({ x: { dtype: 'float32', shape: [2, IN], data: x } })).y.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('external initializers', () => {
  it('from memory and from an offset in a file give the inline result', async () => {
    const inline = await run(tensorData('float32', [OUT, IN], w));
    const fromMemory = await run({ ...tensorData('float32', [OUT, IN], w), external: true });
    const folder = tempDir('external');
    const offset = 65536;
    const file = new Uint8Array(offset + w.byteLength);
    file.set(new Uint8Array(w.buffer), offset);
    writeFileSync(join(folder, 'weights.bin'), file);
    const fromFile = await run(
      {
        ...tensorData('float32', [OUT, IN], new Float32Array(0)),
        external: { file: 'weights.bin', offset, length: w.byteLength },
      },
      folder,
    );
    expect(Buffer.from(fromMemory.buffer).equals(Buffer.from(inline.buffer))).toBe(true);
    expect(Buffer.from(fromFile.buffer).equals(Buffer.from(inline.buffer))).toBe(true);
  });
});
