/**
 * `cod train` through a Tinker-compatible server: our own `cod backend serve`, a real process on loopback.
 *  - A run with `--backend http://127.0.0.1:P` gives the same per-step metrics and the same checkpoint weights, bit
 *    for bit, as the same run on the in-process local backend (same curriculum, same seed); the run records which
 *    backend trained it and `cod runs show` says so.
 *  - The server killed with SIGKILL in the middle of a step: the trainer reports it in one line (exit 2), keeps every
 *    committed step and checkpoint, and `cod train --resume` finishes the run once the server is back — ending with
 *    the uninterrupted run's metrics and weights.
 *  - Bad backend settings are one error line before anything is stored.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackendServer, type BackendProcess } from './backend-server.ts';
import { cod } from '../support/cod.ts';
import { ok, runIdOf, storedRun } from '../support/stored-runs.ts';

const ROOT = join(import.meta.dirname, '..', '..');

// Tiny on purpose: 2 lifecycles of 2 tasks per step, short answers, 2 steps, a checkpoint every step.
const CURRICULUM = `name: backend-e2e
rendering: compact
train:
  domains: [{ id: frozenlake, preset: train }]
  packSize: 2
  groupSize: 2
  packsPerStep: 1
lifecycle: { solveMaxNewTokens: 16, updateMaxNewTokens: 24 }
training:
  lr: 1.0e-3
  steps: 2
  saveEvery: 1
  seed: 5
  aheadSteps: 1
`;

let dir: string;
let curriculum: string;
let server: BackendProcess;
let weights: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cod-train-backend-'));
  curriculum = join(dir, 'c.yaml');
  writeFileSync(curriculum, CURRICULUM);
  weights = join(dir, 'served');
  // A generous gather window: a loaded machine may space one batch's requests out.
  server = await startBackendServer(['--weights', weights, '--sample-gather-ms', '100']);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cod train --backend URL (cod backend serve on loopback)', () => {
  let local: ReturnType<typeof storedRun>;

  it('equals the in-process backend bit for bit: per-step metrics and checkpoint weights', async () => {
    const a = await cod(['train', curriculum, '--store', join(dir, 'a.db'), '--out', join(dir, 'a'), '--events']);
    const b = await cod([
      'train',
      curriculum,
      '--backend',
      server.url,
      '--store',
      join(dir, 'b.db'),
      '--out',
      join(dir, 'b'),
      '--events',
    ]);
    local = storedRun(join(dir, 'a.db'), runIdOf(ok(a)));
    const remote = storedRun(join(dir, 'b.db'), runIdOf(ok(b)));
    expect(local.steps).toEqual([1, 2]);
    expect(remote.steps).toEqual([1, 2]);
    expect(Object.keys(local.metrics)).toContain('loss');
    expect(Object.keys(local.metrics)).toContain('reward/pos1');
    expect(Object.keys(remote.metrics).sort()).toEqual(Object.keys(local.metrics).sort());
    for (const [name, m] of Object.entries(local.metrics)) expect(remote.metrics[name], name).toEqual(m);
    // The weights each checkpoint holds: fetched from the server's archive, the same bytes as the local run's.
    expect(remote.checkpoints.map((c) => [c.step, c.sha256])).toEqual(local.checkpoints.map((c) => [c.step, c.sha256]));
    const bytes = (p: string) => readFileSync(join(p, 'model.safetensors'));
    expect(bytes(remote.checkpoints[1].path).equals(bytes(local.checkpoints[1].path))).toBe(true);
    expect(
      bytes(local.checkpoints[1].path).equals(readFileSync(join(ROOT, 'resources/models/builtin/model.safetensors'))),
    ).toBe(false);
    // Saved weights nothing will read again are freed, in process and on the server (DELETE …/checkpoints/…): the
    // latest checkpoint's training state and the sampler versions it names stay.
    for (const root of [join(dir, 'a', 'backend'), weights]) {
      const models = readdirSync(root);
      expect(models).toHaveLength(1);
      expect(readdirSync(join(root, models[0], 'weights'))).toEqual(['step-000002']);
      expect(readdirSync(join(root, models[0], 'sampler_weights')).sort()).toEqual(['v1', 'v2']);
    }
    // The run records where it trained.
    expect(local.config.backend).toEqual({ kind: 'local' });
    expect(remote.config.backend).toEqual({ kind: 'remote', url: server.url, baseModel: 'builtin' });
    const shown = ok(await cod(['runs', 'show', runIdOf(ok(b)), '--store', join(dir, 'b.db')]));
    expect(shown).toContain(`backend: ${server.url} (base model builtin)`);
  }, 600_000);

  it('a server killed mid-step: one error line, exit 2, steps kept; --resume finishes once it is back', async () => {
    const port = Number(new URL(server.url).port);
    const db = join(dir, 'c.db');
    // Kill the server once step 1's checkpoint is written: the trainer is then in step 2 (its rollout runs ahead).
    const outcome = await new Promise<{ code: number | null; stderr: string; runId: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'bin', 'cod.mjs'),
          'train',
          curriculum,
          '--backend',
          server.url,
          '--store',
          db,
          '--out',
          join(dir, 'c'),
          '--events',
        ],
        { cwd: ROOT, env: { ...process.env, COD_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let runId = '';
      let stderr = '';
      let buf = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        for (const line of buf.split('\n').slice(0, -1)) {
          const e = JSON.parse(line) as { event: string; runId?: string; step?: number };
          if (e.event === 'run') runId = e.runId!;
          if (e.event === 'checkpoint' && e.step === 1) void server.kill();
        }
        buf = buf.slice(buf.lastIndexOf('\n') + 1);
      });
      child.on('close', (code) => resolve({ code, stderr, runId }));
    });
    expect(outcome.code).toBe(2);
    const lines = outcome.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^cod: error: backend ${server.url} (is unreachable|disappeared) during `));
    console.log(`server killed mid-step: ${lines[0]}`);
    const failed = storedRun(db, outcome.runId);
    expect(failed.status).toBe('failed');
    expect(failed.steps).toEqual([1]);
    expect(failed.checkpoints.map((c) => c.step)).toEqual([1]);

    // The server back on the same address with the same weights directory: the run resumes and finishes.
    server = await startBackendServer(['--weights', weights, '--sample-gather-ms', '100'], port);
    const resumed = await cod(['train', '--resume', outcome.runId, '--store', db, '--events']);
    expect(JSON.parse(ok(resumed).split('\n')[0])).toMatchObject({ event: 'run', resumedFrom: 1 });
    const done = storedRun(db, outcome.runId);
    expect(done.status).toBe('finished');
    expect(done.steps).toEqual([1, 2]);
    for (const [name, m] of Object.entries(local.metrics)) expect(done.metrics[name], name).toEqual(m);
    expect(done.checkpoints.map((c) => [c.step, c.sha256])).toEqual(local.checkpoints.map((c) => [c.step, c.sha256]));
  }, 600_000);

  it('bad backend settings: one error line (exit 2), no run stored', async () => {
    const db = join(dir, 'bad.db');
    const oneLine = (r: { code: number; stderr: string }, re: RegExp) => {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    };
    const write = (name: string, extra: string) => {
      const f = join(dir, name);
      writeFileSync(f, CURRICULUM + extra);
      return f;
    };
    oneLine(
      await cod(['train', write('ftp.yaml', 'backend: { url: ftp://gpu-box }\n'), '--store', db]),
      /ftp\.yaml:\d+:\d+.*backend\.url.*http\(s\) URL/,
    );
    // Nothing listens there (a server started and stopped): its URL is named.
    const gone = await startBackendServer(['--weights', join(dir, 'gone')]);
    await gone.stop();
    oneLine(
      await cod(['train', curriculum, '--backend', gone.url, '--store', db]),
      new RegExp(`backend ${gone.url} is unreachable during get_server_capabilities`),
    );
    oneLine(
      await cod(['train', '--resume', 'x', '--backend', server.url, '--store', db]),
      /--resume takes a run id only/,
    );
    oneLine(await cod(['train', curriculum, '--base-model', 'builtin', '--store', db]), /--base-model .*--backend/);
    expect(existsSync(db)).toBe(false);
  }, 120_000);
});
