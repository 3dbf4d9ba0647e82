import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../main/cli/index.ts';
import { CHATML_TEMPLATE } from '../../../main/models/chat-template/chatml.ts';
import { loadChatRenderer } from '../../../main/models/chat-template/source.ts';
import { loadTokenizer } from '../../../main/models/tokenizer/tokenizer.ts';
import { tempDir } from '../../support/temp.ts';

describe('cod tokenizer train', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  beforeEach(() => {
    dir = tempDir('toktrain');
    out = [];
    err = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());

  it('trains on several corpus files and writes a loadable tokenizer with the ChatML template', async () => {
    writeFileSync(join(dir, 'a.txt'), 'The agent reads the hints and moves north. '.repeat(200));
    writeFileSync(join(dir, 'b.txt'), 'Hints: the door opens with the red key.\n'.repeat(200));
    const outDir = join(dir, 'tok');
    const argv = ['tokenizer', 'train', '--corpus', join(dir, 'a.txt'), join(dir, 'b.txt')];
    expect(await main([...argv, '--vocab-size', '300', '--out', outDir, '--json'])).toBe(0);
    const report = JSON.parse(out.join('\n')) as Record<string, number>;
    expect(report).toMatchObject({ vocabSize: 300, merges: 40, corpusFiles: 2 });
    expect(report.bytesPerToken).toBeGreaterThan(2.5); // 1.0 would mean no merge is used
    const tok = await loadTokenizer(outDir);
    expect(tok.vocabSize).toBe(300);
    const cfg = JSON.parse(readFileSync(join(outDir, 'tokenizer_config.json'), 'utf8')) as { chat_template: string };
    expect(cfg.chat_template).toBe(CHATML_TEMPLATE);
    const chat = await loadChatRenderer(outDir);
    const r = chat.renderChat(
      [
        { role: 'user', content: 'Where?' },
        { role: 'assistant', content: 'north' },
      ],
      { addGenerationPrompt: false },
    );
    expect(tok.decode(r.ids.filter((_, i) => r.assistantMask[i]))).toBe('north<|im_end|>');
  });

  it('reports bad input as one clear line', async () => {
    writeFileSync(join(dir, 'bad.txt'), new Uint8Array([0x61, 0xff, 0x62]));
    writeFileSync(join(dir, 'ok.txt'), 'hello');
    const cases: Array<[string[], string]> = [
      [['--vocab-size', '300', '--out', dir], 'cod: error: missing required option --corpus'],
      [
        ['--corpus', join(dir, 'none.txt'), '--vocab-size', '300', '--out', dir],
        `cod: error: ${join(dir, 'none.txt')}: cannot read the corpus file`,
      ],
      [
        ['--corpus', join(dir, 'bad.txt'), '--vocab-size', '300', '--out', dir],
        `cod: error: ${join(dir, 'bad.txt')}: corpus file is not valid UTF-8 text`,
      ],
      [
        ['--corpus', join(dir, 'ok.txt'), '--vocab-size', '10', '--out', dir],
        'cod: error: vocab-size: must be an integer in [260',
      ],
      [['--corpus', join(dir, 'ok.txt'), '--vocab-size', '300'], 'cod: error: missing required option --out'],
    ];
    for (const [args, message] of cases) {
      err.length = 0;
      expect(await main(['tokenizer', 'train', ...args])).toBe(2);
      expect(err).toHaveLength(1);
      expect(err[0].startsWith(message)).toBe(true);
    }
  });
});
