/**
 * `node --import tsx scripts/sampler-batch-probe.ts`: why the local backend gathers sample calls into content-ordered
 * batches (main/backend/local/sample-gather.ts). One request is sampled on the built-in model alone, then beside
 * other prompts in two different orders; the same seed gives the same draws, yet the log-probs differ between
 * batchings (onnxruntime's kernels round a row by its place in the batch). Prints the largest difference.
 */
import { openCheckpointPolicy } from '../main/training/checkpoint-policy.ts';
import { BUILTIN_MODEL_DIR } from '../main/training/locations.ts';

const cp = await openCheckpointPolicy(BUILTIN_MODEL_DIR, { threads: 1 });
const req = (n: number, seed: string) => ({
  promptIds: Array.from({ length: n }, (_, i) => 5 + ((i * 7 + n) % 400)),
  maxNewTokens: 40,
  temperature: 1,
  topK: 0,
  topP: 1,
  seed,
  stop: [],
  eosIds: [2],
});
const [alone] = await cp.sampler.generate([req(30, 'x')]);
const first = (await cp.sampler.generate([req(30, 'x'), req(31, 'y'), req(29, 'z')]))[0];
const second = (await cp.sampler.generate([req(28, 'w'), req(30, 'x')]))[1];
await cp.dispose();
for (const [name, r] of [
  ['first row of 3', first],
  ['second row of 2', second],
] as const) {
  const n = Math.min(alone.logprobs.length, r.logprobs.length);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(alone.logprobs[i] - r.logprobs[i]));
  const sameTokens = JSON.stringify(alone.tokenIds) === JSON.stringify(r.tokenIds);
  console.log(`alone vs ${name}: same tokens ${sameTokens}, max |Δ log-prob| ${worst.toExponential(2)}`);
}
