/** Small real models for tests: `cod model init` checkpoints with a byte-level BPE tokenizer trained for them. */
import { trainByteLevelBpe } from '../../main/models/tokenizer/bpe-trainer.ts';
import {
  BUILTIN_SPECIAL_TOKENS,
  builtinTokenizerConfig,
  writeTokenizerFiles,
} from '../../main/models/tokenizer/builtin.ts';
import { cod } from './cod.ts';

/** `prefix` and 6000 random words (seeded): varied enough for a BPE to reach exactly the tiny model's 512 ids. */
export function wordCorpus(seed: number, prefix: string): string {
  let x = seed;
  const rand = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const words = Array.from({ length: 6000 }, () =>
    Array.from(
      { length: 2 + Math.floor(rand() * 6) },
      () => 'etaoinshrdlucmfwypvbgkq'[Math.floor(rand() * rand() * 23)],
    ).join(''),
  );
  return prefix + words.join(' ');
}

/**
 * `cod model init --preset tiny --seed SEED --out DIR` for each [dir, seed], then one tokenizer trained on `corpus`
 * written into all of them (`model init` writes config and weights only; every sampled id must decode).
 */
export async function tinyModels(models: ReadonlyArray<readonly [dir: string, seed: number]>, corpus: string) {
  for (const [dir, seed] of models) {
    const r = await cod(['model', 'init', '--preset', 'tiny', '--seed', String(seed), '--out', dir]);
    if (r.code !== 0) throw new Error(`cod model init failed (${r.code}): ${r.stderr}`);
  }
  const bpe = trainByteLevelBpe([corpus], { vocabSize: 512, specialTokens: BUILTIN_SPECIAL_TOKENS, minFrequency: 2 });
  for (const [dir] of models)
    await writeTokenizerFiles(dir, bpe.tokenizerJson, builtinTokenizerConfig(bpe.tokenizerJson));
}
