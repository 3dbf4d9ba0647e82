/**
 * Memory and time of one LoRA training step of the Qwen3-0.6B shape (hidden 1024, 28 layers, 16/8 heads, head_dim
 * 128, vocab 151936, intermediate 3072, q/k norm, tied; bf16 base) at several context lengths, beside the same step in
 * PyTorch (float32, the reference's plain attention) where it fits.
 *
 *   npm run bench:memory -- [--t 1024,2048,4096,8192] [--torch-max-t 2048] [--threads 2] [--write-docs]
 *                           [--resume-rows LOG]
 *   node --import tsx scripts/bench-memory.ts --child MODEL ADAPTER T [--threads N] [--no-arena] [--block N]
 *                                               [--loss-chunk N]
 *
 * Progress goes to stderr, one JSON row per context length as it is measured; --resume-rows LOG takes the rows of an
 * earlier run's stderr and measures only the lengths it lacks (a cut-off run loses nothing measured).
 *
 * Each measurement is its own child process under /usr/bin/time (peak RSS of the whole process: mapping the base's
 * float32 file (main/models/mapped-base.ts, made once from the bf16 checkpoint before the children), compiling the
 * graph, one step: forward, backward, AdamW on the adapter). Ours: rank 16, alpha 32, every
 * linear module of every layer, blocked attention, chunked loss, recomputed layers. Prints JSON; with --write-docs
 * writes docs/benchmarks.memory.json and the memory-bench section of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import {
  ALL_LINEAR,
  initAdapter,
  loadAdapter,
  loraModules,
  saveAdapter,
  type LoraSettings,
} from '../main/models/adapter.ts';
import { openMappedBase } from '../main/models/mapped-base.ts';
import { parseHfConfig } from '../main/models/config.ts';
import { crossEntropyObjective } from '../main/models/objectives.ts';
import { packBatch } from '../main/models/packing.ts';
import { writeRandomCheckpoint } from '../main/models/random-checkpoint.ts';
import { ModelRuntime } from '../main/models/runtime.ts';
import { QWEN3_06B } from './qwen3-shape.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const threads = Number(flag('threads', '2'));
const ROOT = join(import.meta.dirname, '..');

const LORA: LoraSettings = { rank: 16, alpha: 32, targets: [...ALL_LINEAR] };

/** Child mode: one LoRA step at T tokens; prints {seconds, loadSeconds, loss}. */
async function child(model: string, adapterDir: string, T: number): Promise<void> {
  const t0 = performance.now();
  // The base as every LoRA session of a model this size runs it: the mapped float32 file (made by the parent).
  const base = await openMappedBase(model);
  const adapter = await loadAdapter(adapterDir, base.config);
  const rt = ModelRuntime.lora(base.config, base.base, adapter, {
    threads,
    recomputeLayers: true,
    // --block N: queries per attention block (default 256), to see what the blocks' transient tensors cost.
    ...(args.includes('--block') ? { blockSize: Number(flag('block', '256')) } : {}),
    // --loss-chunk N: tokens per chunk of the vocabulary loss (default lossChunkFor(vocabulary)).
    ...(args.includes('--loss-chunk') ? { lossChunk: Number(flag('loss-chunk', '0')) } : {}),
    // onnxruntime's arena: without it, glibc's heap fragmentation under many large frees inflated peak RSS (T = 4096 on
    // a 6-layer model: 1.96 GB without, 1.27 GB with; and it ran faster).
    memArena: !args.includes('--no-arena'),
  });
  const ids = Array.from({ length: T }, (_, i) => (i * 7919 + 13) % base.config.vocabSize);
  const packed = packBatch({ sequences: [ids], lossMask: [ids.map((_, t) => (t === 0 ? 0 : 1))] });
  const weights = packed.predMask.map((m) => m / (T - 1));
  const loadSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const r = await rt.trainStep(
    packed,
    crossEntropyObjective,
    { weights: { dtype: 'float32', shape: [packed.rows, packed.width], data: weights } },
    { lr: 1e-4, weightDecay: 0, maxGradNorm: 1, beta1: 0.9, beta2: 0.999 },
  );
  console.log(JSON.stringify({ seconds: (performance.now() - t1) / 1000, loadSeconds, loss: r.loss }));
  await rt.dispose();
}

function timed(cmd: string, argv: string[]): Promise<{ out: string; rssGiB: number; code: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', cmd, ...argv], { cwd: ROOT });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const m = /MAXRSS_KB=(\d+)/.exec(err);
      if (code !== 0) process.stderr.write(err);
      resolve({ out, rssGiB: m ? Number(m[1]) / 1024 / 1024 : NaN, code: code ?? -1 });
    });
  });
}

interface Row {
  T: number;
  ours: { seconds: number; peakRssGiB: number; loss: number } | null;
  torch: { seconds: number; peakRssGiB: number; loss: number } | { skipped: string } | null;
}

async function main(): Promise<void> {
  if (args[0] === '--child') return child(args[1], args[2], Number(args[3]));
  const Ts = flag('t', '1024,2048,4096,8192').split(',').map(Number);
  const torchMaxT = Number(flag('torch-max-t', '2048'));
  const dir = flag('dir', join(tmpdir(), 'cod-bench-qwen3-0.6b'));
  const config = parseHfConfig(QWEN3_06B, 'Qwen3-0.6B shape');
  const model = join(dir, 'model');
  const adapter = join(dir, 'adapter');
  if (!existsSync(join(model, 'config.json'))) {
    process.stderr.write(`writing a random bf16 Qwen3-0.6B-shaped checkpoint to ${model}\n`);
    await writeRandomCheckpoint(model, config, { seed: 1, dtype: 'BF16' });
  }
  await openMappedBase(model, {
    onBuild: (_, folder) => process.stderr.write(`making the mapped float32 base in ${folder}\n`),
  });
  if (!existsSync(join(adapter, 'adapter_config.json')))
    await saveAdapter(adapter, { ...initAdapter(config, LORA, 1), baseModel: model }, config);
  const rows: Row[] = [];
  const resume = args.indexOf('--resume-rows');
  const earlier =
    resume >= 0
      ? readFileSync(args[resume + 1], 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('{"T":'))
          .map((l) => JSON.parse(l) as Row)
      : [];
  for (const T of Ts) {
    const done = earlier.find((r) => r.T === T && r.ours);
    if (done) {
      rows.push(done);
      process.stderr.write(`${JSON.stringify(done)}\n`);
      continue;
    }
    process.stderr.write(`T = ${T}: ours…\n`);
    const o = await timed(process.execPath, [
      '--import',
      'tsx',
      'scripts/bench-memory.ts',
      '--child',
      model,
      adapter,
      String(T),
      '--threads',
      String(threads),
    ]);
    const ours = o.code === 0 ? { ...JSON.parse(o.out.trim().split('\n').pop()!), peakRssGiB: o.rssGiB } : null;
    let torch: Row['torch'] = null;
    // PyTorch's plain attention keeps every layer's [heads, T, T] probabilities for the backward pass.
    const torchEstGiB = (28 * 16 * T * T * 4 * 3) / 2 ** 30 + 4;
    if (T > torchMaxT || torchEstGiB > totalmem() / 2 ** 30 - 4)
      torch = { skipped: `needs ~${torchEstGiB.toFixed(0)} GiB` };
    else {
      process.stderr.write(`T = ${T}: PyTorch…\n`);
      const t = await timed('/usr/bin/python3', [
        'resources/reference/torch_decoder.py',
        'lora-bench',
        model,
        adapter,
        String(T),
        String(threads),
      ]);
      torch = t.code === 0 ? { ...JSON.parse(t.out.trim().split('\n').pop()!), peakRssGiB: t.rssGiB } : null;
    }
    rows.push({ T, ours: ours && { seconds: ours.seconds, peakRssGiB: ours.peakRssGiB, loss: ours.loss }, torch });
    process.stderr.write(`${JSON.stringify(rows[rows.length - 1])}\n`);
  }
  const rss = (T: number) => rows.find((r) => r.T === T)?.ours?.peakRssGiB;
  const growth =
    rss(2048) !== undefined && rss(4096) !== undefined && rss(8192) !== undefined
      ? (rss(8192)! - rss(4096)!) / (rss(4096)! - rss(2048)!)
      : null;
  const result = {
    shape: 'Qwen3-0.6B (hidden 1024, 28 layers, 16/8 heads, head_dim 128, vocab 151936, intermediate 3072, tied, bf16)',
    lora: { ...LORA, modules: loraModules(config, LORA).length },
    threads,
    rows,
    growth4kTo8kOver2kTo4k: growth,
  };
  console.log(JSON.stringify(result, null, 2));
  if (args.includes('--write-docs')) {
    writeFileSync('docs/benchmarks.memory.json', JSON.stringify(result, null, 2) + '\n');
    const f = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
    const section = [
      '<!-- memory-bench:begin -->',
      `Generated by \`npm run bench:memory\` (${threads} threads; each cell its own process, peak RSS from /usr/bin/time: ` +
        'mapping the float32 file made once from the bf16 checkpoint, compiling, one step). One LoRA step = forward, backward and AdamW of a rank-16 adapter on ' +
        `every linear module (${result.lora.modules} modules) over one sequence of T tokens. Ours: blocked attention, chunked ` +
        'loss, recomputed layers. PyTorch 1.13: float32, plain attention, no recomputation.',
      '',
      '| T | ours: s / step | ours: peak RSS GiB | PyTorch: s / step | PyTorch: peak RSS GiB |',
      '| -: | -: | -: | -: | -: |',
      ...rows.map((r) => {
        const t = r.torch && 'seconds' in r.torch ? r.torch : null;
        const skip = r.torch && 'skipped' in r.torch ? `skipped (${r.torch.skipped})` : '—';
        return `| ${r.T} | ${f(r.ours?.seconds)} | ${f(r.ours?.peakRssGiB, 2)} | ${t ? f(t.seconds) : skip} | ${t ? f(t.peakRssGiB, 2) : '—'} |`;
      }),
      '',
      `Memory growth 4k→8k over 2k→4k: **${growth === null ? '—' : growth.toFixed(2)}×** (target ≤ 2.2×; T = 4096 target < 12 GiB).`,
      '<!-- memory-bench:end -->',
    ].join('\n');
    const doc = readFileSync('docs/benchmarks.md', 'utf8');
    const marked = /<!-- memory-bench:begin -->[\s\S]*?<!-- memory-bench:end -->/;
    const next = marked.test(doc)
      ? doc.replace(marked, section)
      : `${doc.trimEnd()}\n\n## Memory: LoRA on a 0.6B model\n\n${section}\n`;
    const file = 'docs/benchmarks.md';
    writeFileSync(file, await format(next, { ...(await resolveConfig(file)), filepath: file }));
  }
}

await main();
