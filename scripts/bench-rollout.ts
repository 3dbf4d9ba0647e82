/**
 * `npm run bench:rollout`: decode and prefill throughput of the sampler, ONNX-Loop decoding (K steps per run, past
 * cache read in place, in-graph sampling) against the naive loop (one step per run, the whole KV cache through JS
 * every token), in the same process, for the `tiny` preset and a ~100M-parameter config, at 1 and 2 intra-op threads.
 *
 * Each (model, threads, batch) pair builds both samplers, warms both, then runs naive and loop passes back to back,
 * `reps` times. On a shared machine a pass's speed swings with other jobs, so each mode reports its median pass and
 * the ratio is the median over reps of loop pass / naive pass of the same rep (two passes seconds apart see about
 * the same load). Prints JSON; with --write-docs also writes docs/benchmarks.rollout.json and the section of
 * docs/benchmarks.md between the rollout-bench markers.
 * Flags: --quick (tiny only, shorter), --threads 1,2 (intra-op thread counts), --reps N (default 16 for tiny, 4 for
 * the ~100M model, whose passes take seconds).
 *
 * `--profile MODEL,THREADS,BATCH` instead runs one warm-up and one pass per mode with onnxruntime's profiler on and
 * prints where a decode step's time goes: kernel microseconds per batched step by op type (the Loop node itself,
 * which contains its body's kernels, is left out) next to the decode run time per step.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as ort from 'onnxruntime-node';
import { format, resolveConfig } from 'prettier';
import { join } from 'node:path';
import { writeDocSection } from '../main/cli/doc-section.ts';
import type { ModelConfig } from '../main/models/config.ts';
import { presetConfig } from '../main/models/presets.ts';
import { Sampler, type DecodeMode, type SampleRequest, type SamplerStats } from '../main/models/sampler/sampler.ts';
import { SeededRng } from '../main/models/sampler/rng.ts';
import { parameterSpecs } from '../main/models/transformer.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const writeDocs = args.includes('--write-docs');
const threadList = (flag('--threads') ?? '1,2').split(',').map(Number);
const repsFlag = flag('--reps');
const repsFor = (model: string): number => (repsFlag ? Number(repsFlag) : model === 'tiny' ? 16 : 4);
const CHUNK = 16;
if (
  threadList.some((t) => !(Number.isInteger(t) && t >= 1)) ||
  !(Number.isInteger(repsFor('tiny')) && repsFor('tiny') >= 1)
)
  throw new Error('--threads wants positive integers (e.g. 1,2), --reps a positive integer');

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

/** N(0, 0.02)-ish weights from a fast seeded stream (init.ts's sha256 stream is slow for 100M values). */
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
  threads: number;
  batch: number;
  mode: DecodeMode;
  newTokens: number;
  /** Median pass: kept tokens / seconds inside decode runs. */
  decodeTokPerS: number;
  /** Medians of generated tokens / wall seconds (prefill, scheduling and JS included) and of prefill tokens/s. */
  wallTokPerS: number;
  prefillTokPerS: number;
  /**
   * Median of kept tokens / process CPU seconds inside decode runs: time other jobs take from this process does not
   * count, so it is steadier than wall time on a shared machine (with 2 threads it includes onnxruntime's spinning).
   */
  cpuTokPerS: number;
  /** Decode runs and batched steps of one pass. */
  runs: number;
  steps: number;
  /** Every pass's decode tok/s and tokens per CPU-second, in order (pass r of naive and of loop ran back to back). */
  passes: number[];
  cpuPasses: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const freshStats = (): SamplerStats => ({
  prefillTokens: 0,
  prefillSeconds: 0,
  decodeTokens: 0,
  decodeSeconds: 0,
  decodeCpuSeconds: 0,
  decodeRuns: 0,
  decodeSteps: 0,
  prefixTokens: 0,
  extendTokens: 0,
  extendSeconds: 0,
});

async function measurePair(
  name: string,
  c: ModelConfig,
  w: Map<string, Float32Array>,
  threads: number,
  batch: number,
  promptLen: number,
  newTokens: number,
  reps: number,
): Promise<Row[]> {
  const params = parameterSpecs(c).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const reqs = (tag: string): SampleRequest[] =>
    Array.from({ length: batch }, (_, i) => ({
      promptIds: Array.from({ length: promptLen }, (_, t) => (t * 31 + i * 7 + 3) % c.vocabSize),
      maxNewTokens: newTokens,
      temperature: 1,
      seed: `${tag}${i}`,
    }));
  const modes = ['naive', 'loop'] as const;
  const samplers = modes.map((mode) => new Sampler(c, w, { mode, maxBatch: batch, chunkSteps: CHUNK, threads }));
  const rows: Row[] = modes.map((mode) => ({
    model: name,
    params,
    threads,
    batch,
    mode,
    newTokens,
    decodeTokPerS: 0,
    wallTokPerS: 0,
    prefillTokPerS: 0,
    cpuTokPerS: 0,
    cpuPasses: [],
    runs: 0,
    steps: 0,
    passes: [],
  }));
  const wall: number[][] = [[], []];
  const cpu: number[][] = [[], []];
  const prefill: number[][] = [[], []];
  try {
    // Warm-up builds every session (same shapes) so timed passes measure decoding only.
    for (const s of samplers) await s.generate(reqs('warm'));
    for (let r = 0; r < reps; r++)
      for (let m = 0; m < modes.length; m++) {
        const s = samplers[m];
        Object.assign(s.stats, freshStats());
        const t0 = performance.now();
        const res = await s.generate(reqs(`run${r}-`));
        const seconds = (performance.now() - t0) / 1000;
        const generated = res.reduce((a, x) => a + x.tokenIds.length, 0);
        const st = s.stats;
        rows[m].passes.push(Math.round(st.decodeTokens / st.decodeSeconds));
        cpu[m].push(st.decodeTokens / st.decodeCpuSeconds);
        wall[m].push(generated / seconds);
        prefill[m].push(st.prefillTokens / st.prefillSeconds);
        Object.assign(rows[m], { runs: st.decodeRuns, steps: st.decodeSteps });
      }
    rows.forEach((row, m) =>
      Object.assign(row, {
        decodeTokPerS: median(row.passes),
        wallTokPerS: median(wall[m]),
        cpuTokPerS: median(cpu[m]),
        cpuPasses: cpu[m].map(Math.round),
        prefillTokPerS: median(prefill[m]),
      }),
    );
  } finally {
    for (const s of samplers) await s.dispose();
  }
  return rows;
}

interface ProfileEvent {
  cat?: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

/** One warm-up and one pass per mode under onnxruntime's profiler: decode kernel time per batched step by op type. */
async function profile(spec: string): Promise<void> {
  const [name, threadsS, batchS] = spec.split(',');
  const cfg = name === 'm100' ? m100 : presetConfig(name);
  const [threads, batch] = [Number(threadsS), Number(batchS)];
  const [promptLen, newTokens] = name === 'm100' ? [64, 16] : [64, 64];
  const w = randomWeights(cfg);
  const create = ort.InferenceSession.create.bind(ort.InferenceSession);
  const out: Record<string, unknown> = {};
  for (const mode of ['naive', 'loop'] as const) {
    const dir = await mkdtemp(join(tmpdir(), `rollout-prof-${mode}-`));
    // The sampler builds its sessions through EngineSession; turn the profiler on underneath it for this run only.
    (ort.InferenceSession as { create: unknown }).create = (
      model: Uint8Array,
      o: ort.InferenceSession.SessionOptions,
    ) => create(model, { ...o, enableProfiling: true, profileFilePrefix: join(dir, 'ort') });
    const sampler = new Sampler(cfg, w, { mode, maxBatch: batch, chunkSteps: CHUNK, threads });
    const reqs = (tag: string): SampleRequest[] =>
      Array.from({ length: batch }, (_, i) => ({
        promptIds: Array.from({ length: promptLen }, (_, t) => (t * 31 + i * 7 + 3) % cfg.vocabSize),
        maxNewTokens: newTokens,
        seed: `${tag}${i}`,
      }));
    await sampler.generate(reqs('warm'));
    await sampler.generate(reqs('run'));
    const steps = sampler.stats.decodeSteps;
    const decodeSeconds = sampler.stats.decodeSeconds;
    await sampler.dispose(); // releasing a session writes its profile
    (ort.InferenceSession as { create: unknown }).create = create;
    const byOp = new Map<string, number>();
    for (const f of await readdir(dir)) {
      const events = JSON.parse(await readFile(join(dir, f), 'utf8')) as ProfileEvent[];
      // Decode graphs are the ones that sample (prefill graphs end at the last layer's K/V).
      if (!events.some((e) => e.args?.op_name === 'LogSoftmax')) continue;
      for (const e of events)
        if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name && e.args.op_name !== 'Loop')
          byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
    }
    const perStep = [...byOp]
      .map(([op, us]) => ({ op, usPerStep: us / steps }))
      .sort((a, b) => b.usPerStep - a.usPerStep);
    const kernels = perStep.reduce((a, r) => a + r.usPerStep, 0);
    out[mode] = { steps, decodeRunUsPerStep: (decodeSeconds * 1e6) / steps, kernelUsPerStep: kernels, perStep };
    console.error(
      `${name} threads=${threads} B=${batch} ${mode}: decode runs ${((decodeSeconds * 1e6) / steps).toFixed(0)} us/step, ` +
        `kernels ${kernels.toFixed(0)} us/step: ` +
        perStep
          .slice(0, 8)
          .map((r) => `${r.op} ${r.usPerStep.toFixed(0)} (${((100 * r.usPerStep) / kernels).toFixed(0)}%)`)
          .join(', '),
    );
  }
  console.log(JSON.stringify({ model: name, threads, batch, ...out }, null, 2));
}

const profileSpec = flag('--profile');
if (profileSpec) {
  await profile(profileSpec);
  process.exit(0);
}

const load = { start: loadavg()[0], end: 0 };
const rows: Row[] = [];
const models: Array<[string, ModelConfig, number, number]> = quick
  ? [['tiny', presetConfig('tiny'), 32, 32]]
  : [
      ['tiny', presetConfig('tiny'), 64, 64],
      ['m100', m100, 64, 16],
    ];
for (const [name, c, promptLen, newTokens] of models) {
  const w = randomWeights(c);
  for (const threads of threadList)
    for (const batch of [1, 8, 64]) {
      const pair = await measurePair(name, c, w, threads, batch, promptLen, newTokens, repsFor(name));
      rows.push(...pair);
      console.error(
        `${name} threads=${threads} B=${batch}: ` +
          pair.map((r) => `${r.mode} ${r.decodeTokPerS.toFixed(0)} tok/s [${r.passes.join(', ')}]`).join(', '),
      );
    }
}
load.end = loadavg()[0];

const speedups = rows
  .filter((r) => r.mode === 'loop')
  .map((r) => {
    const base = rows.find(
      (x) => x.mode === 'naive' && x.model === r.model && x.threads === r.threads && x.batch === r.batch,
    )!;
    const paired = r.passes.map((x, i) => x / base.passes[i]);
    const pairedCpu = r.cpuPasses.map((x, i) => x / base.cpuPasses[i]);
    return {
      model: r.model,
      threads: r.threads,
      batch: r.batch,
      /** Median over reps of loop pass / naive pass of the same rep. */
      loopOverNaive: median(paired),
      pairedMin: Math.min(...paired),
      pairedMax: Math.max(...paired),
      /** The same over tokens per CPU-second. */
      cpuLoopOverNaive: median(pairedCpu),
    };
  });
const report = {
  date: new Date().toISOString().slice(0, 10),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadAverage1m: load },
  chunkSteps: CHUNK,
  reps: { tiny: repsFor('tiny'), m100: repsFor('m100') },
  rows,
  speedups,
};
console.log(JSON.stringify(report, null, 2));

if (writeDocs) {
  const docs = join(import.meta.dirname, '..', 'docs');
  // Written as prettier would, so `npm run lint` (prettier --check) stays green after a rerun.
  const pretty = async (file: string, text: string) =>
    writeFile(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
  await pretty(join(docs, 'benchmarks.rollout.json'), JSON.stringify(report, null, 2));
  const path = join(docs, 'benchmarks.md');
  const ratio = (model: string, threads: number, batch: number) =>
    speedups.find((s) => s.model === model && s.threads === threads && s.batch === batch);
  const body = [
    '',
    '## Rollout',
    '',
    `Command: \`npm run bench:rollout\` (scripts/bench-rollout.ts; JSON in docs/benchmarks.rollout.json). Measured ` +
      `${report.date} on ${report.machine.cpus} × ${report.machine.cpu}, random weights, temperature 1, no stops, ` +
      'prompts of 64 tokens; tiny = the built-in preset, m100 = 12 layers, hidden 768, MLP 2560, 12 query / 4 KV ' +
      'heads of 64, vocab 8192. naive = one decode step per run, the whole KV cache written by ScatterElements and ' +
      `copied out to JS and back every token; loop = ONNX Loop, up to ${CHUNK} steps per run, past cache read in ` +
      "place, the chunk's K/V grown in-graph, in-graph sampling, early exit when every slot is done. Both modes run " +
      'the same decode-step math. "decode" = kept tokens / seconds inside decode runs; "wall" includes prefill, ' +
      'scheduling and the JS side.',
    '',
    "**These absolute numbers were taken on a shared machine** (2 cores shared with other engineers' jobs; 1-minute " +
      `load average ${load.start.toFixed(1)} at the start, ${load.end.toFixed(1)} at the end): for each row the two ` +
      `modes ran back to back in one process, ${repsFor('tiny')} passes each (tiny) or ${repsFor('m100')} (m100); ` +
      'tokens/s are medians over passes and loop / naive is the median over reps of the ratio of the two passes of ' +
      'the same rep (range in brackets), so the ratios compare like with like; the absolute tokens/s say as much ' +
      'about the other jobs as about the hardware. "decode tok / CPU-s" divides the same tokens by the CPU time the ' +
      "process used inside decode runs (all its threads, so with 2 threads onnxruntime's spin-waiting counts), " +
      'which leaves out time other jobs took; its ratio is paired the same way.',
    '',
    '| model | params | threads | batch | mode | new tok/seq | decode tok/s | wall tok/s | prefill tok/s | runs/pass | loop / naive (decode) | decode tok / CPU-s | loop / naive (CPU) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const sp = r.mode === 'loop' ? ratio(r.model, r.threads, r.batch) : undefined;
      return (
        `| ${r.model} | ${(r.params / 1e6).toFixed(1)}M | ${r.threads} | ${r.batch} | ${r.mode} | ${r.newTokens} | ` +
        `${r.decodeTokPerS.toFixed(0)} | ${r.wallTokPerS.toFixed(0)} | ${r.prefillTokPerS.toFixed(0)} | ${r.runs} | ` +
        `${sp ? `${sp.loopOverNaive.toFixed(2)}× (${sp.pairedMin.toFixed(2)}–${sp.pairedMax.toFixed(2)})` : ''} | ` +
        `${r.cpuTokPerS.toFixed(0)} | ${sp ? `${sp.cpuLoopOverNaive.toFixed(2)}×` : ''} |`
      );
    }),
    '',
  ].join('\n');
  await writeDocSection(path, 'rollout-bench', body, {
    newFile: '# Benchmarks\n',
    // Older docs carried an unmarked "## Rollout" section just before the engine section's marker.
    legacy: /## Rollout\n[\s\S]*?(?=\n<!-- engine-bench:begin -->|\n## |$)/,
  });
}
