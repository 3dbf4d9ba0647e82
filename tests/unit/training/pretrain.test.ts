/** `cod pretrain` in miniature: learning happens, and a stopped run resumed from its state ends bit-identical. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../main/models/checkpoint.ts';
import { PRETRAIN_DEFAULTS, pretrainLr, type PretrainOptions } from '../../../main/training/pretrain.ts';
import { STATE_DIR } from '../../../main/training/pretrain-files.ts';
import { pretrainInThread } from '../../support/pretrain-thread.ts';
import { tempDir } from '../../support/temp.ts';

// Each run on its own thread (tests/support/pretrain-thread.ts): its engine work would hold this worker's loop.
const pretrain = pretrainInThread;
const small = (out: string): PretrainOptions => ({
  ...PRETRAIN_DEFAULTS,
  domains: [{ id: 'frozenlake', preset: 'train', packs: 3 }],
  drills: 20,
  inductionSteps: 2,
  steps: 6,
  warmupSteps: 2,
  tokensPerStep: 2048,
  threads: 1,
  saveEvery: 2,
  out,
});

describe('pretrain', () => {
  it('lowers the loss, writes an HF checkpoint with its tokenizer, and resumes a stopped run exactly', async () => {
    const dir = tempDir('pretrain');
    const losses: number[] = [];
    const stages: string[] = [];
    const whole = await pretrain(small(join(dir, 'a')), {
      onStep: (p) => {
        losses.push(p.loss);
        stages.push(p.stage);
      },
    });
    expect(whole.stopped).toBe(false);
    // The induction stage first (random tokens: about ln 508 ≈ 6.2), then the lifecycles.
    expect(stages).toEqual([...Array(2).fill('induction'), ...Array(6).fill('lifecycles')]);
    expect(losses[0]).toBeGreaterThan(5.5);
    expect(losses[7]).toBeLessThan(losses[2]);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'pretrain.json'])
      expect(existsSync(join(dir, 'a', f)), f).toBe(true);
    expect(existsSync(join(dir, 'a', STATE_DIR))).toBe(false);

    const part = await pretrain(small(join(dir, 'b')), { abortAtStep: 3 }); // one step past the induction stage
    expect(part).toMatchObject({ stopped: true, stepsDone: 3 });
    expect(existsSync(join(dir, 'b', 'model.safetensors'))).toBe(false);
    await expect(pretrain({ ...small(join(dir, 'b')), lr: 1e-3, resume: true })).rejects.toThrow(/other options/);
    const rest = await pretrain({ ...small(join(dir, 'b')), resume: true });
    expect(rest).toMatchObject({ stopped: false, stepsDone: 8 });
    expect(rest.finalLoss).toBe(whole.finalLoss);
    const a = await loadCheckpoint(join(dir, 'a'));
    const b = await loadCheckpoint(join(dir, 'b'));
    // Buffer.equals, not toEqual: vitest's deep equality walks 3.4 MB of weights element by element (seconds of
    // a blocked loop; 41 s on a loaded machine).
    for (const [name, w] of a.weights)
      expect(Buffer.from(b.weights.get(name)!.buffer).equals(Buffer.from(w.buffer)), name).toBe(true);
    expect(readFileSync(join(dir, 'b', 'tokenizer.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'a', 'tokenizer.json'), 'utf8'),
    );
    await expect(pretrain({ ...small(join(dir, 'c')), resume: true })).rejects.toThrow(/no saved pretraining state/);

    // A continued warm start begins where `a` ended (its loss, not a fresh model's) and keeps a's tokenizer,
    // though its other seed gives other packs; a checkpoint of another preset is refused.
    const cont: number[] = [];
    await pretrain(
      { ...small(join(dir, 'd')), seed: 1, inductionSteps: 0, init: join(dir, 'a') },
      { onStep: (p) => cont.push(p.loss) },
    );
    expect(cont[0]).toBeLessThan((losses[2] + losses[7]) / 2);
    expect(readFileSync(join(dir, 'd', 'tokenizer.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'a', 'tokenizer.json'), 'utf8'),
    );
    // d's pretrain.json records the stage it continued: a's weights hash and a's own record, so a model made in
    // stages can be rebuilt from its record alone.
    const record = JSON.parse(readFileSync(join(dir, 'd', 'pretrain.json'), 'utf8'));
    expect(record.init.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(dir, 'a', 'model.safetensors')))
        .digest('hex'),
    );
    expect(record.init.pretrain).toEqual(JSON.parse(readFileSync(join(dir, 'a', 'pretrain.json'), 'utf8')));
    expect(record.options.seed).toBe(1);
    await expect(pretrain({ ...small(join(dir, 'e')), modelPreset: 'small', init: join(dir, 'a') })).rejects.toThrow(
      /not the preset being trained/,
    );
    await expect(pretrain({ ...small(join(dir, 'e')), init: join(dir, 'missing') })).rejects.toThrow();
  }, 180_000);

  it('warms up linearly, then decays by cosine to 10%', () => {
    const o = { lr: 1, warmupSteps: 10, steps: 110 };
    expect(pretrainLr(0, o)).toBeCloseTo(0.1, 12);
    expect(pretrainLr(9, o)).toBeCloseTo(1, 12);
    expect(pretrainLr(10, o)).toBeCloseTo(1, 12);
    expect(pretrainLr(60, o)).toBeCloseTo(0.55, 12);
    expect(pretrainLr(110, o)).toBeCloseTo(0.1, 12);
  });
});
