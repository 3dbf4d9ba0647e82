/**
 * `npm run bench:rollout`: decode and prefill throughput of the sampler, ONNX-Loop decoding (K steps per run,
 * cache carried in-graph, in-graph sampling) against the naive loop (one step per run, the whole KV cache through
 * JS every token), in the same process, for the `tiny` preset and a ~100M-parameter config.
 * Prints JSON; with --write-docs, replaces the "## Rollout" section of docs/benchmarks.md with a table.
 * Flags: --quick (tiny only, shorter), --threads N (intra-op threads, default 2).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { ModelConfig } from '../main/models/config.ts';
import { presetConfig } from '../main/models/presets.ts';
import { Sampler, type DecodeMode, type SampleRequest } from '../main/models/sampler/sampler.ts';
import { SeededRng } from '../main/models/sampler/rng.ts';
import { parameterSpecs } from '../main/models/transformer.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const writeDocs = args.includes('--write-docs');
const ti = args.indexOf('--threads');
const threads = ti >= 0 ? Number(args[ti + 1]) : 2;

const m100: ModelConfig = {
  ...presetConfig('tiny'),
  vocabSize: 8192,
  hiddenSize: 768,
  intermediateSize: 2560,
  numLayers: 12,
  numHeads: 12,
  numKvHeads: 4,
  headDim: 64,
};

/** N(0, 0.02) weights from a fast seeded stream (init.ts's sha256 stream is slow for 100M values). */
function randomWeights(c: ModelConfig): Map<string, Float32Array> {
  const rng = new SeededRng('bench');
  const out = new Map<string, Float32Array>();
  for (const s of parameterSpecs(c)) {
    const w = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
    if (s.name.endsWith('norm.weight')) w.fill(1);
    else
      for (let i = 0; i < w.length; i++) {
        const u = rng.uniform() + rng.uniform() + rng.uniform() - 1.5; // sum of 3 uniforms: mean 0, var 1/4
        w[i] = 0.04 * u;
      }
    out.set(s.name, w);
  }
  return out;
}

interface Row {
  model: string;
  params: number;
  batch: number;
  mode: DecodeMode;
  newTokens: number;
  decodeTokPerS: number;
  wallTokPerS: number;
  prefillTokPerS: number;
  runs: number;
}

async function measure(
  name: string,
  c: ModelConfig,
  w: Map<string, Float32Array>,
  batch: number,
  mode: DecodeMode,
  promptLen: number,
  newTokens: number,
): Promise<Row> {
  const sampler = new Sampler(c, w, { mode, maxBatch: batch, chunkSteps: 16, threads });
  const reqs = (tag: string): SampleRequest[] =>
    Array.from({ length: batch }, (_, i) => ({
      promptIds: Array.from({ length: promptLen }, (_, t) => (t * 31 + i * 7 + 3) % c.vocabSize),
      maxNewTokens: newTokens,
      temperature: 1,
      seed: `${tag}${i}`,
    }));
  // Warm-up builds the sessions (same shapes) so the timed pass measures decoding only.
  await sampler.generate(reqs('warm'));
  Object.assign(sampler.stats, {
    prefillTokens: 0,
    prefillSeconds: 0,
    decodeTokens: 0,
    decodeSeconds: 0,
    decodeRuns: 0,
  });
  const t0 = performance.now();
  const res = await sampler.generate(reqs('run'));
  const wall = (performance.now() - t0) / 1000;
  const st = sampler.stats;
  await sampler.dispose();
  const generated = res.reduce((a, r) => a + r.tokenIds.length, 0);
  return {
    model: name,
    params: parameterSpecs(c).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0),
    batch,
    mode,
    newTokens,
    decodeTokPerS: st.decodeTokens / st.decodeSeconds,
    wallTokPerS: generated / wall,
    prefillTokPerS: st.prefillTokens / st.prefillSeconds,
    runs: st.decodeRuns,
  };
}

const rows: Row[] = [];
const models: Array<[string, ModelConfig, number, number]> = quick
  ? [['tiny', presetConfig('tiny'), 32, 32]]
  : [
      ['tiny', presetConfig('tiny'), 64, 64],
      ['m100', m100, 64, 16],
    ];
for (const [name, c, promptLen, newTokens] of models) {
  const w = randomWeights(c);
  for (const batch of [1, 8, 64]) {
    for (const mode of ['naive', 'loop'] as const) {
      const r = await measure(name, c, w, batch, mode, promptLen, newTokens);
      rows.push(r);
      console.error(
        `${name} B=${batch} ${mode}: decode ${r.decodeTokPerS.toFixed(0)} tok/s, prefill ${r.prefillTokPerS.toFixed(0)} tok/s`,
      );
    }
  }
}

const speedups = rows
  .filter((r) => r.mode === 'loop')
  .map((r) => {
    const base = rows.find((x) => x.mode === 'naive' && x.model === r.model && x.batch === r.batch)!;
    return { model: r.model, batch: r.batch, loopOverNaive: r.decodeTokPerS / base.decodeTokPerS };
  });
const report = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model, threads }, rows, speedups };
console.log(JSON.stringify(report, null, 2));

if (writeDocs) {
  const path = join(import.meta.dirname, '..', 'docs', 'benchmarks.md');
  let doc = '';
  try {
    doc = await readFile(path, 'utf8');
  } catch {
    doc = '# Benchmarks\n';
  }
  const table = [
    '## Rollout',
    '',
    `Measured by \`npm run bench:rollout\` (scripts/bench-rollout.ts) on ${report.machine.cpus} × ${report.machine.cpu}, ` +
      `${threads} intra-op threads, random weights, temperature 1, no stops. "decode" = kept tokens / seconds inside ` +
      'decode runs; "wall" includes prefill, scheduling and the JS side. naive = one decode step per run with the ' +
      'whole KV cache copied through JS; loop = ONNX Loop, 16 steps per run, cache carried in-graph, in-graph sampling.',
    '',
    '| model | params | batch | mode | new tok/seq | decode tok/s | wall tok/s | prefill tok/s | loop / naive |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const sp = speedups.find((s) => s.model === r.model && s.batch === r.batch && r.mode === 'loop');
      return `| ${r.model} | ${(r.params / 1e6).toFixed(1)}M | ${r.batch} | ${r.mode} | ${r.newTokens} | ${r.decodeTokPerS.toFixed(0)} | ${r.wallTokPerS.toFixed(0)} | ${r.prefillTokPerS.toFixed(0)} | ${sp ? sp.loopOverNaive.toFixed(2) + '×' : ''} |`;
    }),
    '',
  ].join('\n');
  const re = /## Rollout\n[\s\S]*?(?=\n## |$)/;
  doc = re.test(doc) ? doc.replace(re, table) : doc.trimEnd() + '\n\n' + table;
  await writeFile(path, doc);
}
