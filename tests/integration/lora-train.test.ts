/**
 * LoRA runs end to end on the built-in model (issues 16 and 17), through the real `cod` CLI:
 *  - a 2-step run with the curriculum's `model.lora` trains only the adapter on the local backend; through
 *    `cod backend serve` (a real process on loopback) it gives the same per-step metrics and the same adapter bytes;
 *    its checkpoints are PEFT adapters (no copy of the base) and its saved training state holds the adapter's AdamW
 *    state;
 *  - resumed after step 1 it ends with the uninterrupted run's metrics and adapter, bit for bit;
 *  - `cod eval BASE --adapter A` plays what `cod eval MERGED` plays (sampler log-probs within 1e-5, the same tokens,
 *    the same rewards), and a run's checkpoint opens in `cod eval` / `cod compare` by itself;
 *  - bad input through train / eval / compare is one error line, exit 2, nothing stored.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initAdapter, saveAdapter } from '../../main/models/adapter.ts';
import { readConfigFile } from '../../main/models/config.ts';
import { openEvalPolicy } from '../../main/training/eval-policy.ts';
import { ThreadWorkerHost } from '../../main/workers/host.ts';
import { startBackendServer, type BackendProcess } from './backend-server.ts';
import { cod } from '../support/cod.ts';
import { ok, runIdOf, storedRun } from '../support/stored-runs.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILTIN = join(ROOT, 'resources', 'models', 'builtin');

// Tiny on purpose: 2 lifecycles of 2 tasks per step, short answers, 2 steps, a checkpoint every step. LoRA settings
// the Tinker wire can carry (alpha 32, whole target groups), so the same run goes through the HTTP server.
const CURRICULUM = `name: lora-e2e
rendering: compact
model:
  lora: { rank: 4, seed: 3 }
train:
  domains: [{ id: frozenlake, preset: train }]
  packSize: 2
  groupSize: 2
  packsPerStep: 1
lifecycle: { solveMaxNewTokens: 16, updateMaxNewTokens: 24 }
training:
  lr: 1.0e-2
  steps: 2
  saveEvery: 1
  seed: 5
  aheadSteps: 1
`;

// What cod eval / cod compare play: one held-out pack of 2 tasks.
const EVALS = `name: lora-e2e-evals
rendering: compact
train:
  domains: [{ id: frozenlake, preset: train }]
lifecycle: { solveMaxNewTokens: 16, updateMaxNewTokens: 24 }
evals:
  - { name: held, kind: in_domain, domain: frozenlake, packSize: 2, packs: 1, seeds: [1] }
`;

let dir: string;
let curriculum: string;
let evals: string;
let server: BackendProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cod-lora-train-'));
  curriculum = join(dir, 'c.yaml');
  writeFileSync(curriculum, CURRICULUM);
  evals = join(dir, 'evals.yaml');
  writeFileSync(evals, EVALS);
  server = await startBackendServer(['--weights', join(dir, 'served'), '--sample-gather-ms', '100']);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An eval's JSON without the names of what played it (a directory path differs between equal policies). */
const played = (stdout: string): unknown =>
  (JSON.parse(stdout) as Array<Record<string, unknown>>).map(({ policy, updatePolicy, ...rest }) => {
    void policy;
    void updatePolicy;
    return rest;
  });

const adapterBytes = (cp: string) => readFileSync(join(cp, 'adapter_model.safetensors'));

describe('LoRA runs (cod train with model.lora)', () => {
  let local: ReturnType<typeof storedRun>;

  it('train only the adapter; the local backend and cod backend serve agree bit for bit', async () => {
    const a = await cod(['train', curriculum, '--store', join(dir, 'a.db'), '--out', join(dir, 'a'), '--events']);
    local = storedRun(join(dir, 'a.db'), runIdOf(ok(a)));
    expect(local.status).toBe('finished');
    expect(local.steps).toEqual([1, 2]);
    // A checkpoint is a PEFT adapter with the tokenizer, never a copy of the base.
    const cp = local.checkpoints[1].path;
    expect(readdirSync(cp).sort()).toEqual(
      ['adapter_config.json', 'adapter_model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'trainer'].sort(),
    );
    const peft = JSON.parse(readFileSync(join(cp, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(peft).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 32, base_model_name_or_path: BUILTIN });
    expect(peft.target_modules).toEqual([
      'down_proj',
      'gate_proj',
      'k_proj',
      'lm_head',
      'o_proj',
      'q_proj',
      'up_proj',
      'v_proj',
    ]);
    // The adapter moved (B starts at zero; two AdamW steps make it non-zero).
    expect(adapterBytes(cp).equals(adapterBytes(local.checkpoints[0].path))).toBe(false);
    // The saved training state: the adapter and its AdamW moments, no model.safetensors.
    const models = readdirSync(join(local.runDir, 'backend'));
    const state = join(local.runDir, 'backend', models[0], 'weights', 'step-000002');
    expect(readdirSync(state).sort()).toEqual(
      ['adapter_config.json', 'adapter_model.safetensors', 'backend-state.json', 'optimizer.safetensors'].sort(),
    );

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
    const remote = storedRun(join(dir, 'b.db'), runIdOf(ok(b)));
    expect(remote.steps).toEqual([1, 2]);
    expect(Object.keys(remote.metrics).sort()).toEqual(Object.keys(local.metrics).sort());
    for (const [name, m] of Object.entries(local.metrics)) expect(remote.metrics[name], name).toEqual(m);
    expect(remote.checkpoints.map((c) => [c.step, c.sha256])).toEqual(local.checkpoints.map((c) => [c.step, c.sha256]));
    expect(adapterBytes(remote.checkpoints[1].path).equals(adapterBytes(cp))).toBe(true);
  }, 600_000);

  it('resumed after step 1, ends with the uninterrupted run’s metrics and adapter', async () => {
    const db = join(dir, 'c.db');
    const first = await cod(['train', curriculum, '--steps', '1', '--store', db, '--out', join(dir, 'c'), '--events']);
    const id = runIdOf(ok(first));
    const resumed = await cod(['train', '--resume', id, '--steps', '2', '--store', db, '--events']);
    expect(JSON.parse(ok(resumed).split('\n')[0])).toMatchObject({ event: 'run', resumedFrom: 1 });
    const done = storedRun(db, id);
    expect(done.steps).toEqual([1, 2]);
    for (const [name, m] of Object.entries(local.metrics)) expect(done.metrics[name], name).toEqual(m);
    expect(done.checkpoints.map((c) => [c.step, c.sha256])).toEqual(local.checkpoints.map((c) => [c.step, c.sha256]));
  }, 600_000);

  it('a run’s LoRA checkpoint opens in cod eval and cod compare by itself', async () => {
    const cp = local.checkpoints[1].path;
    const alone = ok(await cod(['eval', cp, '--curriculum', evals, '--json']));
    expect((JSON.parse(alone) as Array<{ policy: string }>)[0].policy).toBe(cp);
    // The same as naming the base and the adapter.
    const named = await cod(['eval', BUILTIN, '--adapter', cp, '--curriculum', evals, '--json']);
    expect(played(ok(named))).toEqual(played(alone));
    const cmp = await cod(['compare', BUILTIN, BUILTIN, '--adapter-b', cp, '--curriculum', evals, '--json']);
    const [row] = JSON.parse(ok(cmp)) as Array<{ b: { positions: unknown }; suite: string }>;
    expect(row.suite).toBe('held');
    expect(row.b.positions).toEqual((played(alone) as Array<{ positions: unknown }>)[0].positions);
  }, 600_000);
});

describe('cod eval --adapter', () => {
  it('plays what the merged checkpoint plays: log-probs within 1e-5, the same tokens and rewards', async () => {
    const adapter = join(dir, 'rand-adapter');
    const merged = join(dir, 'merged');
    ok(
      await cod([
        'lora',
        'init',
        '--model',
        BUILTIN,
        '--rank',
        '4',
        '--alpha',
        '1',
        '--targets',
        'all-linear',
        '--seed',
        '2',
        '--init',
        'random',
        '--out',
        adapter,
      ]),
    );
    ok(await cod(['lora', 'merge', '--model', BUILTIN, '--adapter', adapter, '--out', merged]));
    // The sampler itself: base + adapter against the merged weights, the same requests.
    const workers = new ThreadWorkerHost();
    const withAdapter = await openEvalPolicy(BUILTIN, { workers, adapter });
    const plain = await openEvalPolicy(BUILTIN, { workers });
    const mergedPolicy = await openEvalPolicy(merged, { workers });
    try {
      const prompt = [1, 5, 9, 14, 33, 40, 2, 7];
      const params = { max_tokens: 24, temperature: 1, top_p: 1, top_k: -1, seed: 11 } as const;
      const sample = (p: typeof plain) => p.backend.sample({ prompt, params, numSamples: 4, baseModel: 'checkpoint' });
      const a = await sample(withAdapter);
      const m = await sample(mergedPolicy);
      const base = await sample(plain);
      let maxDiff = 0;
      a.sequences.forEach((s, i) => {
        expect(s.tokens).toEqual(m.sequences[i].tokens);
        s.logprobs!.forEach((lp, t) => (maxDiff = Math.max(maxDiff, Math.abs(lp - m.sequences[i].logprobs![t]))));
      });
      console.log(`eval --adapter vs merged: max |Δ log-prob| ${maxDiff.toExponential(2)} over 4 × 24 tokens`);
      expect(maxDiff).toBeLessThan(1e-5);
      // The adapter matters (random B): the base alone samples something else.
      expect(base.sequences.map((s) => s.logprobs)).not.toEqual(a.sequences.map((s) => s.logprobs));
    } finally {
      await withAdapter.dispose();
      await plain.dispose();
      await mergedPolicy.dispose();
    }
    const viaAdapter = await cod(['eval', BUILTIN, '--adapter', adapter, '--curriculum', evals, '--json']);
    const viaMerged = await cod(['eval', merged, '--curriculum', evals, '--json']);
    expect(played(ok(viaAdapter))).toEqual(played(ok(viaMerged)));
  }, 600_000);
});

describe('bad LoRA input: one error line, exit 2, nothing stored', () => {
  const oneLine = (r: { code: number; stderr: string }, re: RegExp) => {
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(re);
  };
  const write = (name: string, lora: string) => {
    const f = join(dir, name);
    writeFileSync(f, CURRICULUM.replace('model:\n  lora: { rank: 4, seed: 3 }\n', lora ? `model:\n  ${lora}\n` : ''));
    return f;
  };

  it('rank, targets, a foreign adapter and a truncated one, through train, eval and compare', async () => {
    const db = join(dir, 'bad.db');
    oneLine(
      await cod(['train', write('rank0.yaml', 'lora: { rank: 0 }'), '--store', db]),
      /rank0\.yaml:\d+:\d+: model\.lora\.rank: must be >= 1/,
    );
    oneLine(
      await cod(['train', write('target.yaml', 'lora: { rank: 4, targets: [q_proj, qkv_proj] }'), '--store', db]),
      /target\.yaml:\d+:\d+: model\.lora\.targets\[1\]: unknown LoRA target module 'qkv_proj'/,
    );

    // An adapter made for another base (hidden size doubled): named as such, before anything is stored.
    const config = await readConfigFile(join(BUILTIN, 'config.json'));
    const wide = { ...config, hiddenSize: config.hiddenSize * 2 };
    const foreign = join(dir, 'foreign-adapter');
    await saveAdapter(foreign, initAdapter(wide, { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj'] }, 1), wide);
    const foreignRe = /adapter_model\.safetensors.*shape .* this model needs .*another base model/;
    oneLine(await cod(['train', write('plain.yaml', ''), '--adapter', foreign, '--store', db]), foreignRe);
    oneLine(await cod(['eval', BUILTIN, '--adapter', foreign, '--curriculum', evals]), foreignRe);
    oneLine(await cod(['compare', BUILTIN, BUILTIN, '--adapter-b', foreign, '--curriculum', evals]), foreignRe);

    // rank 0 in adapter_config.json.
    const rank0 = join(dir, 'rank0-adapter');
    await saveAdapter(rank0, initAdapter(config, { rank: 2, alpha: 8, targets: ['q_proj'] }, 1), config);
    const cfgFile = join(rank0, 'adapter_config.json');
    writeFileSync(cfgFile, readFileSync(cfgFile, 'utf8').replace('"r": 2', '"r": 0'));
    oneLine(
      await cod(['eval', BUILTIN, '--adapter', rank0, '--curriculum', evals]),
      /LoRA rank must be a positive integer, got 0/,
    );

    // A truncated adapter file.
    const cut = join(dir, 'cut-adapter');
    await saveAdapter(cut, initAdapter(config, { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj'] }, 1), config);
    const file = join(cut, 'adapter_model.safetensors');
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    const cutRe = /adapter_model\.safetensors/;
    oneLine(await cod(['train', write('plain2.yaml', ''), '--adapter', cut, '--store', db]), cutRe);
    oneLine(await cod(['eval', BUILTIN, '--adapter', cut, '--curriculum', evals]), cutRe);
    oneLine(await cod(['compare', BUILTIN, BUILTIN, '--adapter-a', cut, '--curriculum', evals]), cutRe);
    expect(existsSync(db)).toBe(false);
  }, 300_000);
});
