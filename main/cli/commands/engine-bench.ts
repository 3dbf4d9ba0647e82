import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { CodError } from '../../base/errors.ts';
import { benchSize, measurePeakGemm, PYTHON, type BenchEntry } from '../../models/bench.ts';
import { MODEL_PRESETS } from '../../models/presets.ts';
import { flagTable, intFlag, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { writeDocSection } from '../doc-section.ts';

function torchAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function table(entries: BenchEntry[]): string {
  const head = '| size | params | tokens/step | engine tok/s | PyTorch tok/s | ratio | GFLOP/s | peak GEMM GFLOP/s |';
  const rows = entries.map(
    (e) =>
      `| ${e.size} | ${e.params.toLocaleString('en-US')} | ${e.tokens_per_step} | ${e.engine_tokens_per_s} | ${e.torch_tokens_per_s ?? 'n/a'} | ${e.ratio ?? 'n/a'} | ${e.gflops} | ${e.peak_gflops} |`,
  );
  return [head, '|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** Replace (or append) the engine section of docs/benchmarks.md, leaving other sections alone. */
async function writeDocsSection(entries: BenchEntry[]): Promise<void> {
  const e = entries[0];
  const body = [
    '## Engine: training throughput vs PyTorch',
    '',
    `Command: \`npm run bench:engine\` (= \`cod engine bench --json --write-docs\`). Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores, ${e.threads} intra-op threads for both sides.`,
    `One training step = forward + backward + global-norm clipping + AdamW on ${e.rows} rows x ${e.width} tokens of random ids (causal LM loss), the same`,
    'model, batch and optimizer in PyTorch (Debian python3-torch with OpenBLAS, `resources/reference/torch_decoder.py bench`) in the same run;',
    'ratio = engine tokens/s / PyTorch tokens/s. GFLOP/s counts matmul FLOPs (3x forward); the peak is a 1024^3 fp32 GEMM through onnxruntime.',
    '',
    table(entries),
  ].join('\n');
  await writeDocSection('docs/benchmarks.md', 'engine-bench', body, { newFile: '# Benchmarks\n' });
}

export const engineBench: CliCommand = {
  path: ['engine', 'bench'],
  summary:
    'Training tokens/s of the engine vs PyTorch (same model, batch, AdamW) at three sizes, and GFLOP/s vs peak GEMM',
  usage: '[--json] [--sizes tiny,small,medium] [--rows N] [--width N] [--steps N] [--threads N] [--write-docs]',
  async run(argv) {
    const { values } = parseFlags(
      argv,
      flagTable(['sizes', 'rows', 'width', 'steps', 'threads'], ['json', 'write-docs']),
    );
    const sizes = (values.sizes ?? 'tiny,small,medium').split(',');
    for (const s of sizes) if (!MODEL_PRESETS[s]) throw new CodError('bad_input', `unknown size '${s}'`, '--sizes');
    const threads = intFlag(values.threads, 'threads', Math.min(2, cpus().length));
    const opts = {
      rows: intFlag(values.rows, 'rows', 8),
      width: intFlag(values.width, 'width', 256),
      steps: intFlag(values.steps, 'steps', 3),
      threads,
      torch: torchAvailable(),
      onProgress: (m: string) => process.stderr.write(`\r\x1b[2K${m}`),
    };
    if (!opts.torch) process.stderr.write('PyTorch not found at /usr/bin/python3: reporting the engine only\n');
    const peak = await measurePeakGemm(threads);
    const entries: BenchEntry[] = [];
    for (const s of sizes) entries.push(await benchSize(s, MODEL_PRESETS[s], peak, opts));
    process.stderr.write('\r\x1b[2K');
    if (values.json) console.log(JSON.stringify(entries, null, 2));
    else console.log(table(entries));
    if (values['write-docs']) {
      await writeFile('docs/benchmarks.engine.json', JSON.stringify(entries, null, 2) + '\n');
      await writeDocsSection(entries);
      console.error('wrote docs/benchmarks.engine.json and the engine section of docs/benchmarks.md');
    }
    return 0;
  },
};
