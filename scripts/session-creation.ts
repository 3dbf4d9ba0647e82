/**
 * How long onnxruntime takes to create the session of one LoRA training step of the Qwen3-0.6B shape with fewer
 * layers, and how the time splits: building the graph, emitting ONNX, creating the session (EngineSession.create,
 * the product's options). The base is a sparse float32 file of the right size (zeros: only creation is timed,
 * nothing runs), named as external data the way the mapped base (main/models/mapped-base.ts) is.
 *
 *   node_modules/.bin/tsx scripts/session-creation.ts [--layers 2,4,8] [--t 8192] [--threads 1]
 *
 * Prints one JSON line per layer count. Session creation grew quadratically with the graph before value_info and
 * the memory-pattern change (docs/engine.md).
 */
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitModelWithData, EngineSession } from '../main/engine/index.ts';
import { ALL_LINEAR } from '../main/models/adapter.ts';
import { parseHfConfig } from '../main/models/config.ts';
import { buildModelGraph } from '../main/models/graphs.ts';
import type { MappedBase } from '../main/models/mapped-base.ts';
import { crossEntropyObjective } from '../main/models/objectives.ts';
import { parameterSpecs } from '../main/models/transformer.ts';
import { QWEN3_06B } from './qwen3-shape.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const T = Number(flag('t', '8192'));
const threads = Number(flag('threads', '1'));
const folder = join(tmpdir(), `cod-session-creation-${process.pid}`);

try {
  for (const layers of flag('layers', '2,4,8').split(',').map(Number)) {
    const c = parseHfConfig({ ...QWEN3_06B, num_hidden_layers: layers }, `Qwen3-0.6B shape, ${layers} layers`);
    let offset = 0;
    const tensors = new Map(
      parameterSpecs(c).map((s) => {
        const length = s.shape.reduce((a, b) => a * b, 1) * 4;
        const entry = [s.name, { shape: s.shape, offset, length }] as const;
        offset += length;
        return entry;
      }),
    );
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'base.f32.bin'), '');
    truncateSync(join(folder, 'base.f32.bin'), offset); // sparse: no disk, no page cache
    const base: MappedBase = { kind: 'mapped', folder, file: 'base.f32.bin', tensors };
    let t = performance.now();
    const g = buildModelGraph(c, 1, T, 'step', crossEntropyObjective, {
      weights: { kind: 'lora', base, settings: { rank: 16, alpha: 32, targets: [...ALL_LINEAR] } },
      recomputeLayers: true,
    });
    const buildS = (performance.now() - t) / 1000;
    t = performance.now();
    const { model, externalData } = emitModelWithData(g);
    const emitS = (performance.now() - t) / 1000;
    t = performance.now();
    const session = await EngineSession.create(model, {
      providers: ['cpu'],
      threads,
      prepack: false,
      externalData,
      externalFolder: folder,
    });
    const createS = (performance.now() - t) / 1000;
    await session.release();
    const r = (x: number) => Math.round(x * 10) / 10;
    console.log(
      JSON.stringify({ layers, T, nodes: g.nodes.length, buildS: r(buildS), emitS: r(emitS), createS: r(createS) }),
    );
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
