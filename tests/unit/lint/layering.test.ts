/**
 * The layering lint (eslint-rules/layering.js) through the repo's own ESLint config: deliberate slips are errors
 * naming both layers, allowed imports pass, and every folder of main/ belongs to a layer. `npm test` runs `eslint .`
 * with the same config, so such a slip fails it.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, layerOf } from '../../../eslint-rules/layering.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The layering messages ESLint reports for `code` as if it were the file `rel`. */
async function layering(rel: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(ROOT, rel) });
  return r.messages.filter((m) => m.ruleId === 'local/layering').map((m) => m.message);
}

describe('the layering lint', () => {
  it.each([
    [
      'main/store/slip.ts',
      "import type { ChatMessage } from '../cod/policy.ts';",
      /'store' may not import layer 'cod'/,
    ],
    [
      'main/cod/slip.ts',
      "import { Sampler } from '../models/sampler/sampler.ts';",
      /'cod' may not import layer 'models'/,
    ],
    ['main/engine/slip.ts', "export * from '../training/trainer.ts';", /'engine' may not import layer 'training'/],
    ['main/envs/slip.ts', "import { loadTokenizer } from '../models/tokenizer/tokenizer.ts';", /'envs'.*'models'/],
    ['main/models/slip.ts', "const m = await import('../envs/registry.ts');", /'models' may not import layer 'envs'/],
    ['main/training/slip.ts', "import { RunsService } from '../services/runs.ts';", /'training'.*'services'/],
    ['renderer/src/slip.ts', "import { openStore } from '../../main/store/index.ts';", /'renderer'.*'store'/],
    ['electron/slip.ts', "import { createWorkbench } from '../main/services/workbench.ts';", /'electron'.*'services'/],
    ['main/api/slip.ts', "import { readFileSync } from 'node:fs';", /no Node built-ins/],
    ['main/backend/slip.ts', "import { runTrainer } from '../training/trainer.ts';", /'backend'.*'training'/],
    [
      'main/backend/slip.ts',
      "import { openStore } from '../store/index.ts';",
      /'backend' may not import layer 'store'/,
    ],
    ['main/services/slip.ts', "import { x } from '../nowhere/x.ts';", /in no layer/],
  ])('%s: %s is an error', async (file, code, message) => {
    const errors = await layering(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('reports a slip in a Vue component', async () => {
    const vue = '<script setup lang="ts">\nimport { openStore } from \'../../../main/store/index.ts\';\n</script>\n';
    expect(await layering('renderer/src/views/Slip.vue', vue)).toEqual([
      expect.stringMatching(/'renderer' may not import layer 'store'/),
    ]);
  });

  it.each([
    ['main/training/ok.ts', "import { planPacks } from '../cod/packs.ts';"],
    ['main/training/ok.ts', "import { getDomain } from '../envs/registry.ts';"], // through cod
    ['main/store/ok.ts', "import { CodError } from '../base/errors.ts';"],
    ['main/backend/ok.ts', "import { loadCheckpoint } from '../models/checkpoint.ts';"],
    ['renderer/src/ok.ts', "import type { RunSummary } from '../../main/api/types.ts';"],
    ['tests/unit/ok.test.ts', "import { openStore } from '../../main/store/index.ts';"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await layering(file, code)).toEqual([]);
  });

  it('has a layer for every folder of main/', () => {
    const dirs = readdirSync(path.join(ROOT, 'main'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(dirs.filter((d) => !layerOf(`main/${d.name}`)).map((d) => d.name)).toEqual([]);
    expect(Object.keys(LAYERS)).toContain('backend');
  });
});
