/**
 * A whole CoD training run of the Qwen3-0.6B shape with LoRA on the CPU (issue 16's "Must show"): a random bf16
 * checkpoint of that shape (hidden 1024, 28 layers, 16/8 heads, head_dim 128, vocab 151936, tied), a rank-16 adapter
 * on every linear module, 2 steps of `cod train` on a tiny curriculum (one pack of 2 frozenlake tasks played by a
 * group of 2 lifecycles per step, 8 new tokens per answer), through the local backend as any run. Then the run is
 * opened as Replay and Compare open it: `cod runs show`, a lifecycle read back from the store, `cod eval` of its last
 * checkpoint (an adapter naming its base) on one held-out pack.
 *
 *   npm run bench:lora-run -- [--dir DIR] [--threads 2] [--no-eval] [--write-docs]
 *
 * Wall time and peak RSS come from /usr/bin/time around the `cod train` child (the whole process: loading the bf16
 * base once per worker, compiling, sampling, two LoRA steps). The random model samples any of its 151,936 ids, so
 * its tokenizer is the built-in one with the vocabulary padded by placeholder tokens (`tok<ID>`), each decodable;
 * the tokenizer does not change the compute. Prints JSON; with --write-docs writes docs/benchmarks.lora-run.json and
 * the lora-run section of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { parseHfConfig } from '../main/models/config.ts';
import { openMappedBase } from '../main/models/mapped-base.ts';
import { writeRandomCheckpoint } from '../main/models/random-checkpoint.ts';
import { openStore } from '../main/store/index.ts';
import { QWEN3_06B } from './qwen3-shape.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const threads = Number(flag('threads', '2'));
const ROOT = join(import.meta.dirname, '..');
const BUILTIN = join(ROOT, 'resources', 'models', 'builtin');
const COD = [join(ROOT, 'bin', 'cod.mjs')];

const CURRICULUM = `name: bench-lora-run
rendering: compact
model:
  lora: { rank: 16, alpha: 32, seed: 1, targets: all-linear }
train:
  domains: [{ id: frozenlake, preset: train }]
  packSize: 2
  groupSize: 2 # the fewest: with 1 rollout per pack every advantage is 0
  packsPerStep: 1
lifecycle: { solveMaxNewTokens: 8, updateMaxNewTokens: 8 }
training:
  lr: 1.0e-4
  steps: 2
  saveEvery: 1
  seed: 1
  aheadSteps: 0
  microBatchTokens: 2048
  recomputeLayers: true
  trainThreads: ${threads}
  rolloutThreads: ${threads}
`;

// What the run's last checkpoint is evaluated on: one held-out pack of 2 tasks.
const EVALS = `name: bench-lora-run-evals
rendering: compact
train:
  domains: [{ id: frozenlake, preset: train }]
lifecycle: { solveMaxNewTokens: 8, updateMaxNewTokens: 8 }
evals:
  - { name: held, kind: in_domain, domain: frozenlake, packSize: 2, packs: 1, seeds: [1] }
`;

/** The built-in byte-level BPE tokenizer with placeholder tokens up to `vocab` ids (see the header). */
function paddedTokenizer(dir: string, vocab: number): void {
  const tok = JSON.parse(readFileSync(join(BUILTIN, 'tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number> };
  };
  const used = new Set(Object.values(tok.model.vocab));
  for (let id = 0; id < vocab; id++) if (!used.has(id)) tok.model.vocab[`tok${id}`] = id;
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok));
  copyFileSync(join(BUILTIN, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
}

interface Timed {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  readonly peakRssGiB: number | null;
  /**
   * Peak proportional set size (polled each second from /proc/PID/smaps_rollup): the process's real memory. RSS counts
   * a mapped page once per mapping, so it counts the mapped base once per session that maps it; PSS counts it once.
   */
  readonly peakPssGiB: number | null;
}

/** The PSS of `time`'s child (the cod process) in GiB, or null when it cannot be read. */
function pssGiB(timePid: number): number | null {
  try {
    const kids = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(/\s+/);
    const rollup = readFileSync(`/proc/${kids[0]}/smaps_rollup`, 'utf8');
    const kb = /^Pss:\s+(\d+) kB/m.exec(rollup);
    return kb ? Number(kb[1]) / 1024 / 1024 : null;
  } catch {
    return null;
  }
}

/** `cod ARGS` under /usr/bin/time -v (peak RSS), stderr passed through as progress. */
function timedCod(argv: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-v', process.execPath, ...COD, ...argv], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakPss: number | null = null;
    const poll = setInterval(() => {
      const p = child.pid !== undefined ? pssGiB(child.pid) : null;
      if (p !== null) peakPss = Math.max(peakPss ?? 0, p);
    }, 1000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      process.stderr.write(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        seconds: (performance.now() - t0) / 1000,
        peakRssGiB: kb ? Number(kb[1]) / 1024 / 1024 : null,
        peakPssGiB: peakPss,
      });
    });
  });
}

async function main(): Promise<void> {
  const dir = flag('dir', join(tmpdir(), 'cod-bench-lora-run'));
  const config = parseHfConfig(QWEN3_06B, 'Qwen3-0.6B shape');
  const model = join(dir, 'model');
  let initSeconds: number | null = null;
  if (!existsSync(join(model, 'config.json'))) {
    process.stderr.write(`writing a random bf16 Qwen3-0.6B-shaped checkpoint to ${model}\n`);
    const t0 = performance.now();
    await writeRandomCheckpoint(model, config, { seed: 1, dtype: 'BF16' });
    initSeconds = (performance.now() - t0) / 1000;
  }
  paddedTokenizer(model, config.vocabSize);
  // The float32 file every LoRA session maps (main/models/mapped-base.ts), made here once so the workers of the run
  // find it instead of each making it; timed apart from the run.
  const t0 = performance.now();
  let mappedBaseSeconds: number | null = null;
  await openMappedBase(model, {
    onBuild: (_, folder) => process.stderr.write(`making the mapped float32 base in ${folder}\n`),
  });
  mappedBaseSeconds = (performance.now() - t0) / 1000;
  const curriculum = join(dir, 'curriculum.yaml');
  writeFileSync(curriculum, CURRICULUM);
  const store = join(dir, 'runs.db');
  const runDir = join(dir, 'run');
  rmSync(store, { force: true });
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  process.stderr.write('cod train (2 LoRA steps)…\n');
  const train = await timedCod(['train', curriculum, '--model', model, '--store', store, '--out', runDir, '--events']);
  if (train.code !== 0) throw new Error(`cod train failed (exit ${train.code}):\n${train.stderr.slice(-4000)}`);
  const events = train.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; runId?: string; step?: number; metrics?: Record<string, number> });
  const runId = events.find((e) => e.event === 'run')!.runId!;
  const steps = events.filter((e) => e.event === 'step');

  // Opened as Replay and Compare open a run: the store's view, a lifecycle with its samples, its last checkpoint.
  const shown = await timedCod(['runs', 'show', runId, '--store', store]);
  const s = openStore(store);
  let replay: { lifecycles: number; samples: number; checkpoints: Array<{ step: number; files: string[] }> };
  try {
    const lifecycles = s.listLifecycles(runId, { limit: 100 });
    const one = s.getLifecycle(lifecycles[0].id);
    replay = {
      lifecycles: lifecycles.length,
      samples: one.samples.length,
      checkpoints: s.listCheckpoints(runId).map((c) => ({
        step: c.step,
        files: ['adapter_config.json', 'adapter_model.safetensors', 'model.safetensors'].filter((f) =>
          existsSync(join(c.path, f)),
        ),
      })),
    };
  } finally {
    s.close();
  }
  const last = join(runDir, 'checkpoints', 'step-000002');
  const evalCurriculum = join(dir, 'evals.yaml');
  writeFileSync(evalCurriculum, EVALS);
  const result = {
    command: 'npm run bench:lora-run',
    model: 'Qwen3-0.6B shape, random bf16 weights',
    lora: { rank: 16, alpha: 32, targets: 'all-linear' },
    threads,
    initSeconds,
    mappedBaseSeconds: Number(mappedBaseSeconds.toFixed(1)),
    train: {
      seconds: Math.round(train.seconds),
      peakRssGiB: train.peakRssGiB !== null ? Number(train.peakRssGiB.toFixed(2)) : null,
      peakPssGiB: train.peakPssGiB !== null ? Number(train.peakPssGiB.toFixed(2)) : null,
      steps: steps.map((e) => ({
        step: e.step,
        trainTokens: e.metrics?.train_tokens,
        loss: e.metrics?.loss,
        rolloutSeconds: e.metrics?.['time/rollout_s'],
        trainSeconds: e.metrics?.['time/train_s'],
      })),
    },
    runsShow: shown.code === 0 ? shown.stdout.trim() : `failed: ${shown.stderr.trim()}`,
    replay,
    eval: null as { exit: number; seconds: number; peakRssGiB: number | null; peakPssGiB: number | null } | null,
  };
  // The training numbers are written first: the eval after them is long on a loaded machine, and may be cut off.
  await report(result, shown.code);
  if (args.includes('--no-eval')) return;
  process.stderr.write('cod eval of the last checkpoint (1 held-out pack)…\n');
  const evaluated = await timedCod([
    'eval',
    last,
    '--curriculum',
    evalCurriculum,
    '--json',
    '--no-cache', // measured, not served from an earlier run's results (the same seed gives the same adapter)
    '--threads',
    String(threads),
  ]);
  result.eval = {
    exit: evaluated.code,
    seconds: Math.round(evaluated.seconds),
    peakRssGiB: evaluated.peakRssGiB !== null ? Number(evaluated.peakRssGiB.toFixed(2)) : null,
    peakPssGiB: evaluated.peakPssGiB !== null ? Number(evaluated.peakPssGiB.toFixed(2)) : null,
  };
  await report(result, shown.code);
}

interface Result {
  readonly mappedBaseSeconds: number;
  readonly train: {
    seconds: number;
    peakRssGiB: number | null;
    peakPssGiB: number | null;
    steps: Array<{
      step?: number;
      trainTokens?: number;
      loss?: number;
      rolloutSeconds?: number;
      trainSeconds?: number;
    }>;
  };
  readonly replay: { lifecycles: number; samples: number; checkpoints: Array<{ step: number; files: string[] }> };
  eval: { exit: number; seconds: number; peakRssGiB: number | null; peakPssGiB: number | null } | null;
}

async function report(result: Result, shownCode: number): Promise<void> {
  const replay = result.replay;
  console.log(JSON.stringify(result, null, 2));
  if (args.includes('--write-docs')) {
    writeFileSync('docs/benchmarks.lora-run.json', JSON.stringify(result, null, 2) + '\n');
    const section = [
      '<!-- lora-run-bench:begin -->',
      '',
      `Generated by \`npm run bench:lora-run\` (${threads} threads): \`cod train\` of a tiny curriculum (a group of 2 lifecycles of one pack of 2 frozenlake tasks per step, 8 new tokens per answer) on a random bf16 Qwen3-0.6B-shaped checkpoint with a rank-16 LoRA adapter on every linear module, 2 steps on the CPU through the local backend; peak RSS of the whole \`cod train\` process from /usr/bin/time, peak PSS polled from /proc. A random model plays every lifecycle of a group alike (format errors), so every advantage is 0 and so is the loss: the step still runs forward, backward and AdamW over its ~2k tokens.`,
      '',
      '| step | train tokens | rollout s | train s | loss |',
      '| ---: | -----------: | --------: | ------: | ---: |',
      ...result.train.steps.map(
        (x) =>
          `| ${x.step} | ${x.trainTokens} | ${x.rolloutSeconds?.toFixed(1)} | ${x.trainSeconds?.toFixed(1)} | ${x.loss?.toFixed(4)} |`,
      ),
      '',
      `Whole run: **${result.train.seconds} s**, peak PSS **${result.train.peakPssGiB} GiB** (peak RSS ${result.train.peakRssGiB} GiB, which counts the mapped float32 base once per session that maps it); making the mapped base beforehand took ${result.mappedBaseSeconds} s (0.1 s when an earlier run made it). The run opens like any other: \`cod runs show\` exits ${shownCode}, Replay reads ${replay.lifecycles} lifecycles (${replay.samples} samples in the first), every checkpoint holds ${replay.checkpoints[0]?.files.join(' + ')} (no copy of the base)${result.eval ? `, and \`cod eval\` of the last checkpoint (an adapter naming its base) on one held-out pack exits ${result.eval.exit} after ${result.eval.seconds} s (peak PSS ${result.eval.peakPssGiB} GiB, RSS ${result.eval.peakRssGiB} GiB)` : ''}.`,
      '',
      '<!-- lora-run-bench:end -->',
    ].join('\n');
    const file = 'docs/benchmarks.md';
    const doc = readFileSync(file, 'utf8');
    const marked = /<!-- lora-run-bench:begin -->[\s\S]*?<!-- lora-run-bench:end -->/;
    const next = marked.test(doc)
      ? doc.replace(marked, section)
      : doc.replace(
          '## Memory: LoRA on a 0.6B model',
          `## A LoRA run of a 0.6B model\n\n${section}\n\n## Memory: LoRA on a 0.6B model`,
        );
    writeFileSync(file, await format(next, { ...(await resolveConfig(file)), filepath: file }));
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
