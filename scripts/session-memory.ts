/**
 * What each LoRA session costs in memory, with the base handed over from memory (copied into each session) and with
 * the mapped float32 file (main/models/mapped-base.ts), side by side: N scoring sessions of different widths over the
 * same base, one run each, reporting after each the process's RSS and PSS and the machine's used memory (MemTotal −
 * MemAvailable). Each mode runs in its own child process.
 *
 *   node_modules/.bin/tsx scripts/session-memory.ts [--model DIR] [--sessions 3] [--threads 2]
 *
 * Default model: the bench's random bf16 Qwen3-0.6B-shaped checkpoint (written by `npm run bench:lora-run` or
 * `npm run bench:memory` in the temp folder). Prints one JSON line per session and a summary.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_LINEAR, initAdapter } from '../main/models/adapter.ts';
import { loadStoredCheckpoint } from '../main/models/checkpoint.ts';
import { openMappedBase } from '../main/models/mapped-base.ts';
import { packBatch } from '../main/models/packing.ts';
import { ModelRuntime } from '../main/models/runtime.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const model = flag('model', join(tmpdir(), 'cod-bench-lora-run', 'model'));
const sessions = Number(flag('sessions', '3'));
const threads = Number(flag('threads', '2'));

const gib = (kb: number): number => Number((kb / 2 ** 20).toFixed(2));
function memory(): { rssGiB: number; pssGiB: number; usedGiB: number } {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const info = readFileSync('/proc/meminfo', 'utf8');
  const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)![1]);
  return {
    rssGiB: gib(kb(rollup, 'Rss')),
    pssGiB: gib(kb(rollup, 'Pss')),
    usedGiB: gib(kb(info, 'MemTotal') - kb(info, 'MemAvailable')),
  };
}

async function child(mode: 'memory' | 'mapped'): Promise<void> {
  const { config, base } =
    mode === 'mapped'
      ? await openMappedBase(model)
      : await loadStoredCheckpoint(model).then((m) => ({ config: m.config, base: m.tensors }));
  const adapter = initAdapter(config, { rank: 16, alpha: 32, targets: [...ALL_LINEAR] }, 1);
  const rt = ModelRuntime.lora(config, base, adapter, { threads, maxSessions: sessions });
  const start = memory();
  console.log(JSON.stringify({ mode, session: 0, ...start }));
  for (let k = 1; k <= sessions; k++) {
    const ids = Array.from({ length: 8 * 2 ** k }, (_, i) => (i * 7919 + 13) % config.vocabSize);
    const t0 = performance.now();
    await rt.score(packBatch({ sequences: [ids], lossMask: [ids.map(() => 1)] }));
    const m = memory();
    console.log(
      JSON.stringify({
        mode,
        session: k,
        seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
        ...m,
        usedGrowthGiB: Number((m.usedGiB - start.usedGiB).toFixed(2)),
      }),
    );
  }
  await rt.dispose();
}

if (args[0] === '--child') await child(args[1] as 'memory' | 'mapped');
else {
  await openMappedBase(model); // made before the measurement
  for (const mode of ['memory', 'mapped'])
    spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', mode, ...args], {
      stdio: 'inherit',
    });
}
