import { readFile } from 'node:fs/promises';
import { CodError } from '../../base/errors.ts';
import { trainByteLevelBpe } from '../../models/tokenizer/bpe-trainer.ts';
import { BUILTIN_SPECIAL_TOKENS, builtinTokenizerConfig, writeTokenizerFiles } from '../../models/tokenizer/builtin.ts';
import { tokenizerFromJson } from '../../models/tokenizer/tokenizer.ts';
import { flagTable, intFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';

async function readCorpus(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CodError(code === 'ENOENT' ? 'not_found' : 'io', 'cannot read the corpus file', path);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CodError('bad_input', 'corpus file is not valid UTF-8 text', path);
  }
}

export const tokenizerTrain: CliCommand = {
  path: ['tokenizer', 'train'],
  summary: 'Train a byte-level BPE tokenizer (HF tokenizer.json + tokenizer_config.json with a ChatML template)',
  usage:
    '--corpus FILE [FILE...] --vocab-size N --out DIR [--min-frequency N] [--json]\n\n' +
    '  --corpus FILE      UTF-8 text; repeat the flag or list more files after it\n' +
    '  --vocab-size N     total ids: 4 special tokens + 256 bytes + merges\n' +
    '  --min-frequency N  stop merging below this pair count (default 2)\n\n' +
    'Special tokens: <|endoftext|> (0), <|im_start|> (1), <|im_end|> (2, eos), <|pad|> (3).',
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      flagTable(['vocab-size', 'out', 'min-frequency'], ['json'], ['corpus']),
      true,
    );
    const files = [...(values.corpus ?? []), ...positionals];
    if (files.length === 0) throw new CodError('bad_input', 'missing required option --corpus');
    const vocabSize = intFlag(requireFlag(values['vocab-size'], 'vocab-size'), 'vocab-size', 0);
    const minFrequency = intFlag(values['min-frequency'], 'min-frequency', 2);
    if (minFrequency < 1) throw new CodError('bad_input', '--min-frequency must be at least 1');
    const out = requireFlag(values.out, 'out');

    const texts = await Promise.all(files.map(readCorpus));
    const corpusBytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
    const t0 = performance.now();
    const result = trainByteLevelBpe(texts, { vocabSize, specialTokens: BUILTIN_SPECIAL_TOKENS, minFrequency });
    const trainSeconds = (performance.now() - t0) / 1000;
    const config = builtinTokenizerConfig(result.tokenizerJson);
    await writeTokenizerFiles(out, result.tokenizerJson, config);
    // Measure compression with the library tokenizer, i.e. exactly as the files will be used.
    const tok = tokenizerFromJson(result.tokenizerJson, config, out);
    const tokens = texts.reduce((a, t) => a + tok.encode(t).length, 0);
    const report = {
      out,
      vocabSize: result.vocabSize,
      requestedVocabSize: vocabSize,
      merges: result.merges,
      corpusFiles: files.length,
      corpusBytes,
      corpusTokens: tokens,
      bytesPerToken: tokens > 0 ? corpusBytes / tokens : 0,
      trainSeconds,
    };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    const short =
      result.vocabSize < vocabSize ? ` (corpus ran out of pairs seen ≥${minFrequency} times; asked ${vocabSize})` : '';
    console.log(
      `trained byte-level BPE: vocab ${result.vocabSize}${short}, ${result.merges} merges, ` +
        `${(corpusBytes / 1e6).toFixed(2)} MB in ${trainSeconds.toFixed(2)} s, ` +
        `${report.bytesPerToken.toFixed(2)} bytes/token -> ${out}`,
    );
    return 0;
  },
};
