/**
 * Can the engine's trainer teach the `tiny` preset an induction head? A repeated random span at a random offset
 * (so a fixed-offset attention head cannot solve it) is the smallest task that needs a content-matched lookup, the
 * skill the built-in model needs to read its notes. The same task trained by PyTorch for comparison:
 * `/usr/bin/python3 scripts/induction_check_torch.py STEPS LR`. Both print the loss on the repeated span every 20
 * steps; about 5.97 is chance (uniform over 391 tokens), a working induction head brings it towards 3.
 *
 * The default is the short form (span 32, gap up to 31, the repeat cut to fill 64 tokens). `--gap N` puts up to N
 * random tokens between the span and its full repeat, the distance at which notes are read in a solve episode;
 * `--qk-gain X` starts the q/k RMSNorm weights at X instead of 1 (with q/k norm the attention logits are at most
 * sqrt(head_dim) * gain_q * gain_k, which bounds how sharply a head can pick one token out of a long context).
 * `--short-first N` trains the short form for N steps before the long form: an induction head formed at short range
 * carries over to long range within a few dozen steps, while one trained at long range from the start does not form
 * (docs/results.md).
 * Every step holds about 8192 tokens.
 *
 * Usage: npx node --import tsx scripts/induction-check.ts [STEPS=400] [LR=2e-3] [THREADS=2]
 *          [--span N] [--gap N] [--qk-gain X] [--short-first N]
 */
import { parseArgs } from 'node:util';
import { Rng } from '../main/envs/seed.ts';
import { initWeights } from '../main/models/init.ts';
import { crossEntropyObjective } from '../main/models/objectives.ts';
import { presetConfig } from '../main/models/presets.ts';
import { ModelRuntime } from '../main/models/runtime.ts';
import { inductionBatch, packInductionBatch } from '../main/training/induction-drill.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    span: { type: 'string' },
    gap: { type: 'string' },
    'qk-gain': { type: 'string' },
    'short-first': { type: 'string' },
  },
});
const steps = Number(positionals[0] ?? 400);
const lr = Number(positionals[1] ?? 2e-3);
const threads = Number(positionals[2] ?? 2);
const span = Number(values.span ?? 32);
const shortFirst = Number(values['short-first'] ?? 0);
if (shortFirst > 0 && values.gap === undefined) throw new Error('--short-first needs --gap');
const longFrom = values.gap === undefined ? Infinity : shortFirst + 1;
const qkGain = Number(values['qk-gain'] ?? 1);
const tokensPerStep = 8192;

const config = presetConfig('tiny');
const weights = initWeights(config, 0);
for (const [name, w] of weights) if (/\.(q|k)_norm\.weight$/.test(name)) w.fill(qkGain);
const rt = new ModelRuntime(config, weights, { threads, memArena: false, maxSessions: 2 });
const rng = new Rng('induction-check');
for (let step = 1; step <= steps; step++) {
  const longForm = step >= longFrom;
  if (step === longFrom && shortFirst > 0) console.log(`from step ${step}: gaps up to ${values.gap}`);
  const form = longForm ? { span, maxGap: Number(values.gap), long: true } : { span, maxGap: span - 1, long: false };
  const batch = inductionBatch(rng, form, { lo: 10, hi: 400 }, tokensPerStep);
  const { packed: p, weights: w } = packInductionBatch(batch, tokensPerStep, 0);
  const r = await rt.trainStep(
    p,
    crossEntropyObjective,
    { weights: { dtype: 'float32', shape: [p.rows, p.width], data: w } },
    { lr, weightDecay: 0.01, maxGradNorm: 1, beta1: 0.9, beta2: 0.95 },
  );
  if (step % 20 === 0) console.log(step, r.loss.toFixed(3));
}
await rt.dispose();
