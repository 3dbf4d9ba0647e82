/**
 * Checkpoints with tensors of 2 GiB and more (issue 19): a sparse 3 GiB safetensors file with one 2.5 GiB tensor
 * is read in bounded chunks (no native abort: FileHandle.read above 2^31 - 1 bytes aborts Node), and a checkpoint
 * whose header does not match config.json is refused from the header alone, before any tensor data is read.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHfConfig } from '../../main/models/config.ts';
import { presetConfig } from '../../main/models/presets.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const GiB = 1024 ** 3;

/** Header for `tensors` laid out back to back, then the file extended (sparse) to its full size. */
function writeSparseSafetensors(path: string, tensors: Array<{ name: string; shape: number[] }>): number {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header).padEnd(Math.ceil(JSON.stringify(header).length / 8) * 8, ' '));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(path, 'w');
  writeSync(fd, prefix);
  writeSync(fd, json);
  ftruncateSync(fd, 8 + json.length + offset);
  closeSync(fd);
  return 8 + json.length + offset;
}

/** Runs a command under /usr/bin/time: exit code, output and peak RSS in MB. */
function timed(args: string[]): Promise<{ code: number; stdout: string; stderr: string; rssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', process.execPath, ...args], {
      cwd: ROOT,
      env: { ...process.env, COD_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /MAXRSS_KB=(\d+)/.exec(stderr);
      resolve({
        code: code ?? -1,
        stdout,
        stderr: stderr.replace(/MAXRSS_KB=\d+\n?/, '').replace(/Command exited with non-zero status \d+\n?/, ''),
        rssMb: m ? Number(m[1]) / 1024 : NaN,
      });
    });
  });
}

let dir: string;
let big: string;

describe('safetensors tensors of 2 GiB and more', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cod-large-'));
    big = join(dir, 'big.safetensors');
    // 2.5 GiB + 0.5 GiB of float32, all holes: no disk, no page is touched until read.
    const size = writeSparseSafetensors(big, [
      { name: 'model.embed_tokens.weight', shape: [655360, 1024] },
      { name: 'model.extra.weight', shape: [131072, 1024] },
    ]);
    expect(size).toBeGreaterThan(3 * GiB);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams the 2.5 GiB tensor in bounded chunks: no abort, bounded RSS', async () => {
    const script = join(dir, 'stream.mts');
    writeFileSync(
      script,
      `import { SafetensorsReader } from ${JSON.stringify(join(ROOT, 'main/models/safetensors.ts'))};
const r = await SafetensorsReader.open(${JSON.stringify(big)});
const e = r.entry('model.embed_tokens.weight')!;
let bytes = 0, nonzero = 0;
await r.forEachChunk(e, (c) => { bytes += c.length; for (let i = 0; i < c.length; i += 4096) nonzero += c[i]; });
await r.close();
console.log(JSON.stringify({ bytes, nonzero }));
`,
    );
    const res = await timed(['--import', 'tsx', script]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ bytes: 2.5 * GiB, nonzero: 0 });
    expect(res.rssMb).toBeLessThan(400);
  }, 120_000);

  it('a checkpoint whose header disagrees with config.json is refused before any data is read', async () => {
    const model = join(dir, 'model');
    mkdirSync(model);
    writeFileSync(join(model, 'config.json'), JSON.stringify(toHfConfig(presetConfig('tiny'))));
    writeSparseSafetensors(join(model, 'model.safetensors'), [
      { name: 'model.embed_tokens.weight', shape: [655360, 1024] },
      { name: 'model.extra.weight', shape: [131072, 1024] },
    ]);
    const batch = join(dir, 'batch.json');
    writeFileSync(batch, JSON.stringify({ sequences: [[1, 2, 3]], loss_mask: [[0, 1, 1]] }));
    const t0 = Date.now();
    const res = await timed([
      join(ROOT, 'bin', 'cod.mjs'),
      ...['engine', 'grads', '--model', model, '--batch', batch, '--out', join(dir, 'g.safetensors')],
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/model\.embed_tokens\.weight' has shape \[655360, 1024\], config\.json implies/);
    expect(res.rssMb).toBeLessThan(400);
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 60_000);
});
