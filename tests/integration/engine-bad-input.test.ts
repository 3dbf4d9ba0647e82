/** Bad input to the engine commands: one clear error naming the field, non-zero exit, never a stack trace. */
import { readFileSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cod } from '../support/cod.ts';
import { tempDir } from '../support/temp.ts';

let dir: string;
let model: string;
const goodBatch = {
  sequences: [
    [1, 2, 3],
    [4, 5],
  ],
  loss_mask: [
    [0, 1, 1],
    [0, 1],
  ],
};

function expectCleanError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

function batchFile(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

function modelCopy(name: string): string {
  const d = join(dir, name);
  cpSync(model, d, { recursive: true });
  return d;
}

describe('engine CLI bad input', () => {
  beforeAll(async () => {
    dir = tempDir('bad');
    model = join(dir, 'model');
    expect((await cod(['model', 'init', '--preset', 'tiny', '--seed', '3', '--out', model])).code).toBe(0);
  });

  const grads = async (m: string, b: string) =>
    cod(['engine', 'grads', '--model', m, '--batch', b, '--out', join(dir, 'g.safetensors')]);

  it('the good case works', async () => {
    expect((await grads(model, batchFile('ok.json', goodBatch))).code).toBe(0);
  });

  it('malformed config.json: not JSON', async () => {
    const m = modelCopy('badjson');
    writeFileSync(join(m, 'config.json'), '{"hidden_size": 12,');
    expectCleanError(await grads(m, batchFile('b1.json', goodBatch)), /config\.json.*JSON/);
  });

  it('malformed config.json: a field of the wrong type names the field', async () => {
    const m = modelCopy('badfield');
    const c = JSON.parse(readFileSync(join(m, 'config.json'), 'utf8'));
    c.num_attention_heads = 'four';
    writeFileSync(join(m, 'config.json'), JSON.stringify(c));
    expectCleanError(await grads(m, batchFile('b2.json', goodBatch)), /num_attention_heads/);
  });

  it('safetensors with a wrong header', async () => {
    const m = modelCopy('badheader');
    const bytes = readFileSync(join(m, 'model.safetensors'));
    bytes.writeBigUInt64LE(BigInt(bytes.length * 4), 0);
    writeFileSync(join(m, 'model.safetensors'), bytes);
    expectCleanError(await grads(m, batchFile('b3.json', goodBatch)), /model\.safetensors.*header/i);
  });

  it('safetensors with a tensor of the wrong shape names the tensor', async () => {
    const m = modelCopy('badshape');
    const c = JSON.parse(readFileSync(join(m, 'config.json'), 'utf8'));
    c.intermediate_size = c.intermediate_size + 8;
    writeFileSync(join(m, 'config.json'), JSON.stringify(c));
    expectCleanError(await grads(m, batchFile('b4.json', goodBatch)), /mlp\.(gate|up|down)_proj\.weight.*shape/);
  });

  it('safetensors with a non-float dtype names the tensor', async () => {
    const m = modelCopy('baddtype');
    const bytes = readFileSync(join(m, 'model.safetensors'));
    const n = Number(bytes.readBigUInt64LE(0));
    const header = bytes.subarray(8, 8 + n).toString('utf8');
    // Same byte size (F32 -> I32) so only the dtype is wrong.
    const patched = header.replace(/("model\.norm\.weight":\{"dtype":")F32/, '$1I32');
    expect(patched).not.toBe(header);
    bytes.write(patched, 8, 'utf8');
    writeFileSync(join(m, 'model.safetensors'), bytes);
    expectCleanError(await grads(m, batchFile('b5.json', goodBatch)), /model\.norm\.weight.*dtype/);
  });

  it('a batch with an out-of-vocabulary id names the position', async () => {
    const r = await grads(model, batchFile('oov.json', { sequences: [[1, 2, 99999]], loss_mask: [[0, 1, 1]] }));
    expectCleanError(r, /sequences\[0\]\[2\].*vocabulary/);
  });

  it('a batch with mismatched lengths names the row', async () => {
    const r = await grads(
      model,
      batchFile('len.json', {
        sequences: [
          [1, 2, 3],
          [4, 5],
        ],
        loss_mask: [
          [0, 1, 1],
          [0, 1, 1],
        ],
      }),
    );
    expectCleanError(r, /loss_mask\[1\].*length/);
  });

  it('a batch that is not JSON, or lacks fields', async () => {
    expectCleanError(await grads(model, batchFile('nojson.json', '[[1,2')), /JSON/);
    expectCleanError(await grads(model, batchFile('nofields.json', { sequences: [[1, 2]] })), /loss_mask/);
  });

  it('unknown flags and missing options', async () => {
    expectCleanError(await cod(['engine', 'grads', '--modle', model]), /modle/);
    expectCleanError(await cod(['engine', 'grads', '--model', model]), /--batch/);
    expectCleanError(await cod(['model', 'init', '--preset', 'huge', '--out', join(dir, 'x')]), /preset 'huge'/);
  });
});
