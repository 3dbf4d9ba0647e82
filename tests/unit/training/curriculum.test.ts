import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listDomains } from '../../../main/envs/registry.ts';
import { z } from 'zod';
import { CodError } from '../../../main/base/errors.ts';
import { SourceError } from '../../../main/base/diagnostics.ts';
import { loadCurriculum, parseCurriculum, type DomainRef } from '../../../main/training/curriculum/load.ts';
import type { Curriculum } from '../../../main/training/curriculum/schema.ts';
import { stringifyCurriculum } from '../../../main/training/curriculum/stringify.ts';

const PRESETS_DIR = fileURLToPath(new URL('../../../resources/curricula/', import.meta.url));
const FIXTURE_PLUGINS = fileURLToPath(new URL('../../fixtures/plugins/', import.meta.url));
/** The six domains of environments.md, whether or not they have landed in the registry yet. */
const DOMAINS: DomainRef[] = ['frozenlake', 'alchemy', 'gridnav', 'terminal', 'control', 'pde'].map((id) => ({
  id,
  presets: ['train', 'easy', 'hard'],
}));
const opts = { knownDomains: DOMAINS };

function errorOf(f: () => unknown): SourceError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    expect((e as CodError).code).toBe('bad_config');
    return e as SourceError;
  }
  throw new Error('expected a curriculum error');
}

const MINIMAL = `name: demo
train:
  domains:
    - id: frozenlake
`;

describe('shipped curriculum presets', () => {
  const files = readdirSync(PRESETS_DIR).filter((f) => f.endsWith('.yaml'));

  it('are the documented ones', () => {
    expect(files.sort()).toEqual([
      'cpu-demo.yaml',
      'paper-setting-a.yaml',
      'paper-setting-b.yaml',
      'setting-a.yaml',
      'setting-b.yaml',
    ]);
  });

  it.each(files)('%s loads and round-trips through stringifyCurriculum', (f) => {
    // The shipped files name real presets (the paper ones too): check them against the registry.
    const shipped = { knownDomains: listDomains().map((d) => ({ id: d.id, presets: d.presets })) };
    const { curriculum } = loadCurriculum(path.join(PRESETS_DIR, f), shipped);
    expect(curriculum.name).toBe(f.replace(/\.yaml$/, ''));
    const again = parseCurriculum(stringifyCurriculum(curriculum), f, shipped).curriculum;
    expect(again).toEqual(curriculum);
  });

  it('setting A trains FrozenLake only and evaluates Alchemy and Terminal across domains, Terminal in Ralph', () => {
    const { curriculum: c } = loadCurriculum(path.join(PRESETS_DIR, 'setting-a.yaml'), opts);
    expect(c.train.domains.map((d) => d.id)).toEqual(['frozenlake']);
    expect(c.evals.map((e) => [e.kind, e.domain, e.preset, e.packStrategy])).toEqual([
      ['in_domain', 'frozenlake', 'train', 'cod'],
      ['in_domain_hard', 'frozenlake', 'hard', 'cod'],
      ['cross_domain', 'alchemy', 'easy', 'cod'],
      ['cross_domain', 'terminal', 'easy', 'cod'],
      ['ralph', 'terminal', 'easy', 'ralph_sample'],
    ]);
    expect(c.evals.every((e) => e.packSize === 8)).toBe(true);
  });

  it('setting B mixes FrozenLake and Alchemy; cpu-demo is compact and small', () => {
    const b = loadCurriculum(path.join(PRESETS_DIR, 'setting-b.yaml'), opts).curriculum;
    expect(b.train.domains.map((d) => [d.id, d.weight])).toEqual([
      ['frozenlake', 1],
      ['alchemy', 1],
    ]);
    const cpu = loadCurriculum(path.join(PRESETS_DIR, 'cpu-demo.yaml'), opts).curriculum;
    expect(cpu.rendering).toBe('compact');
    expect(cpu.train.groupSize * cpu.train.packsPerStep).toBeLessThanOrEqual(8);
    expect(cpu.evals.map((e) => e.kind)).toEqual(['in_domain', 'ralph']);
  });
});

describe('defaults', () => {
  it('fills the method defaults: S=4, G=8, 8 packs per step, eval S=8, chat, notes', () => {
    const c = parseCurriculum(
      MINIMAL + 'evals:\n  - name: e\n    kind: ralph\n    domain: frozenlake\n',
      'min.yaml',
      opts,
    ).curriculum;
    expect(c.rendering).toBe('chat');
    expect(c.memory).toBe('notes');
    expect(c.train).toEqual({
      domains: [{ id: 'frozenlake', weight: 1, preset: 'train' }],
      packStrategy: 'cod',
      packSize: 4,
      groupSize: 8,
      packsPerStep: 8,
    });
    expect(c.evals[0]).toMatchObject({ packSize: 8, packs: 16, seeds: [1, 2, 3], packStrategy: 'ralph_sample' });
    expect(c.training).toEqual({});
  });

  it('keeps unknown training options for the trainer, typed ones checked', () => {
    const c = parseCurriculum(MINIMAL + 'training:\n  lr: 2.0e-5\n  rolloutAhead: 4\n', 'min.yaml', opts).curriculum;
    expect(c.training).toEqual({ lr: 2e-5, rolloutAhead: 4 });
  });
});

describe('malformed curricula: one located message per problem', () => {
  // Each case: file name, text, and the exact first line of the error (a trailing '*': its beginning).
  const cases: Array<[file: string, text: string, expected: string]> = [
    [
      'bad-weight.yaml',
      'name: a\ntrain:\n  domains:\n    - id: frozenlake\n      weight: 0\n',
      'bad-weight.yaml:5:15: train.domains[0].weight: must be > 0',
    ],
    [
      'unknown-domain.yaml',
      'name: a\ntrain:\n  domains:\n    - id: frozen\n',
      "unknown-domain.yaml:4:11: train.domains[0].id: unknown domain 'frozen' (known: alchemy, control, frozenlake, gridnav, pde, terminal)",
    ],
    [
      'bad-rendering.yaml',
      MINIMAL + 'rendering: fancy\n',
      "bad-rendering.yaml:5:12: rendering: must be one of 'chat', 'compact', got 'fancy'",
    ],
    ['no-name.yaml', 'train:\n  domains:\n    - id: frozenlake\n', 'no-name.yaml:1:1: name: required'],
    ['no-domains.yaml', 'name: a\ntrain: {}\n', 'no-domains.yaml:2:8: train.domains: required'],
    ['typo.yaml', MINIMAL + 'trian:\n  packSize: 4\n', "typo.yaml:5:1: trian: unknown field 'trian'"],
    [
      'bad-pack-size.yaml',
      MINIMAL + '  packSize: 2.5\n',
      'bad-pack-size.yaml:5:13: train.packSize: must be an integer, got 2.5',
    ],
    [
      'bad-preset.yaml',
      'name: a\ntrain:\n  domains:\n    - id: frozenlake\n      preset: medium\n',
      "bad-preset.yaml:5:15: train.domains[0].preset: domain 'frozenlake' has no preset 'medium' (presets: train, easy, hard)",
    ],
    [
      'ralph-strategy.yaml',
      MINIMAL + 'evals:\n  - name: r\n    kind: ralph\n    domain: frozenlake\n    packStrategy: cod\n',
      "ralph-strategy.yaml:9:19: evals[0].packStrategy: kind 'ralph' needs 'ralph_sample' or 'ralph_full'",
    ],
    [
      'cross.yaml',
      MINIMAL + 'evals:\n  - name: x\n    kind: cross_domain\n    domain: frozenlake\n',
      "cross.yaml:8:13: evals[0].domain: cross_domain needs a domain not trained on, 'frozenlake' is",
    ],
    [
      'in-domain.yaml',
      MINIMAL + 'evals:\n  - name: x\n    kind: in_domain\n    domain: alchemy\n',
      "in-domain.yaml:8:13: evals[0].domain: in_domain needs a trained domain, 'alchemy' is not in train",
    ],
    [
      'bad-kind.yaml',
      MINIMAL + 'evals:\n  - name: x\n    kind: ood\n    domain: alchemy\n',
      "bad-kind.yaml:7:11: evals[0].kind: must be one of 'in_domain', 'in_domain_hard', 'cross_domain', 'ralph', got 'ood'",
    ],
    [
      'dup-eval.yaml',
      MINIMAL +
        'evals:\n  - name: x\n    kind: ralph\n    domain: frozenlake\n  - name: x\n    kind: ralph\n    domain: frozenlake\n',
      "dup-eval.yaml:9:11: evals[1].name: eval name 'x' is used twice",
    ],
    [
      'bad-seeds.yaml',
      MINIMAL + 'evals:\n  - name: x\n    kind: ralph\n    domain: frozenlake\n    seeds: [1, -2]\n',
      'bad-seeds.yaml:9:16: evals[0].seeds[1]: must be >= 0',
    ],
    [
      'bad-memory.yaml',
      MINIMAL + 'memory: forever\n',
      "bad-memory.yaml:5:9: memory: must be one of 'notes', 'none', 'append_log', got 'forever'",
    ],
    ['bad-lr.yaml', MINIMAL + 'training:\n  lr: -1\n', 'bad-lr.yaml:6:7: training.lr: must be > 0'],
    [
      'bad-prompt.yaml',
      MINIMAL + 'prompts:\n  solveSystem: "{rules} only"\n',
      'bad-prompt.yaml:6:16: prompts.solveSystem: slot {hints} must appear exactly once (found 0)',
    ],
    [
      'unknown-prompt.yaml',
      MINIMAL + 'prompts:\n  solveSystm: "{rules} {hints}"\n',
      "unknown-prompt.yaml:6:3: prompts.solveSystm: unknown template 'solveSystm' (known: solveSystem, *",
    ],
    ['missing-plugin.yaml', MINIMAL + 'plugins:\n  - ./no-such-plugins\n', 'missing-plugin.yaml:6:5: plugins[0]: *'],
    [
      'syntax.yaml',
      'name: a\ntrain:\n  domains:\n  - id: x\n    weight: [1\n',
      'syntax.yaml:6:1: syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    [
      'dup-key.yaml',
      'name: a\nname: b\ntrain:\n  domains:\n    - id: frozenlake\n',
      'dup-key.yaml:2:1: syntax error: Map keys must be unique*',
    ],
    ['list.yaml', '- name: a\n', 'list.yaml:1:1: a curriculum must be a mapping (name:, train:, …)'],
    [
      'one-rollout.yaml',
      MINIMAL + '  groupSize: 1\n',
      'one-rollout.yaml:5:14: train.groupSize: must be at least 2: with 1 rollout per pack every advantage is 0 (the group mean is the reward itself)',
    ],
  ];
  it.each(cases)('%s', (file, text, expected) => {
    const first = errorOf(() => parseCurriculum(text, file, opts)).message.split('\n')[0];
    if (expected.endsWith('*')) expect(first.startsWith(expected.slice(0, -1)), first).toBe(true);
    else expect(first).toBe(expected);
  });

  it('a syntax error names its line and says it is one', () => {
    const e = errorOf(() => parseCurriculum('name: a\ntrain:\n  domains: [\n', 'open.yaml', opts));
    expect(e.message).toMatch(/^open\.yaml:\d+:\d+: syntax error: /);
    expect(e.issues[0].line).toBeGreaterThanOrEqual(3);
  });

  it('reports all problems at once, in line order', () => {
    const text = 'name: a\ntrain:\n  domains:\n    - id: nope\n      weight: -1\n  groupSize: 0\nrendering: x\n';
    const e = errorOf(() => parseCurriculum(text, 'many.yaml', opts));
    // Schema problems come first (a curriculum that fails the schema is not checked further).
    expect(e.issues.map((i) => `${i.line}:${i.field}`)).toEqual([
      '5:train.domains[0].weight',
      '6:train.groupSize',
      '7:rendering',
    ]);
  });

  it("checks the training section with the trainer's own schema when given", () => {
    const trainer = z.strictObject({ lr: z.number().max(1), steps: z.number().int().optional() });
    const text = MINIMAL + 'training:\n  lr: 3\n  stepz: 10\n';
    const e = errorOf(() => parseCurriculum(text, 't.yaml', { ...opts, trainingSchema: trainer }));
    expect(e.message.split('\n')).toEqual([
      't.yaml:6:7: training.lr: must be <= 1',
      "t.yaml:7:3: training.stepz: unknown field 'stepz'",
    ]);
  });

  it("takes the prompt check from the caller when given (the runner's names, not ours)", () => {
    const check = (_r: string, p: Readonly<Record<string, string>>) => {
      for (const k of Object.keys(p))
        if (k !== 'greeting') throw new CodError('bad_config', `no template '${k}'`, `prompts.${k}`);
    };
    const ok = parseCurriculum(MINIMAL + 'prompts:\n  greeting: hi\n', 'p.yaml', { ...opts, checkPrompts: check });
    expect(ok.curriculum.prompts).toEqual({ greeting: 'hi' });
    const e = errorOf(() =>
      parseCurriculum(MINIMAL + 'prompts:\n  solveSystem: hi\n', 'p.yaml', { ...opts, checkPrompts: check }),
    );
    expect(e.message).toBe("p.yaml:6:16: prompts.solveSystem: no template 'solveSystem'");
  });
});

describe('plugins in a curriculum', () => {
  it('adds the domains of the plugin dirs it names (relative to the file) to the known ones', () => {
    const file = path.join(FIXTURE_PLUGINS, '..', 'curriculum-with-plugin.yaml');
    const text =
      'name: p\ntrain:\n  domains:\n    - id: switchboard\n      preset: easy\nplugins:\n  - plugins/switchboard\n';
    const { curriculum, plugins } = parseCurriculum(text, file, opts);
    expect(curriculum.train.domains[0].id).toBe('switchboard');
    expect(plugins.map((p) => p.name)).toEqual(['switchboard']);
    const bad = text.replace('id: switchboard', 'id: switchbored');
    expect(errorOf(() => parseCurriculum(bad, file, opts)).message).toMatch(/unknown domain 'switchbored'/);
  });

  it('locates a plugin manifest problem at the plugins entry', () => {
    const file = path.join(FIXTURE_PLUGINS, '..', 'c.yaml');
    const text = MINIMAL + 'plugins:\n  - plugins/rogue-sandbox\n';
    expect(errorOf(() => parseCurriculum(text, file, opts)).message).toMatch(
      /c\.yaml:6:5: plugins\[0\]: .*rogue-sandbox: no cod-plugin\.json/,
    );
  });
});

describe('stringifyCurriculum', () => {
  const anyCheck = { ...opts, checkPrompts: () => undefined };
  const domainIds = ['frozenlake', 'alchemy', 'gridnav', 'terminal', 'control', 'pde'];
  const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,20}$/);
  const arbitraryCurriculum = fc
    .record({
      name,
      description: fc.option(fc.string(), { nil: undefined }),
      rendering: fc.constantFrom('chat' as const, 'compact' as const),
      memory: fc.constantFrom('notes' as const, 'none' as const, 'append_log' as const),
      domains: fc.uniqueArray(fc.constantFrom(...domainIds), { minLength: 1, maxLength: 3 }),
      weights: fc.array(fc.double({ min: 0.001, max: 1000, noNaN: true }), { minLength: 3, maxLength: 3 }),
      prompts: fc.option(fc.dictionary(fc.stringMatching(/^[a-zA-Z]{1,12}$/), fc.string({ unit: 'binary' })), {
        nil: undefined,
      }),
      packSize: fc.integer({ min: 1, max: 64 }),
      seeds: fc.uniqueArray(fc.nat(1000), { minLength: 1, maxLength: 4 }),
      lr: fc.option(fc.double({ min: 1e-9, max: 1, noNaN: true }), { nil: undefined }),
    })
    .map((r): Curriculum => ({
      name: r.name,
      ...(r.description !== undefined ? { description: r.description } : {}),
      rendering: r.rendering,
      memory: r.memory,
      train: {
        domains: r.domains.map((id, i) => ({ id, weight: r.weights[i], preset: 'train', options: { k: i } })),
        packStrategy: 'cod',
        packSize: r.packSize,
        groupSize: 8,
        packsPerStep: 8,
      },
      ...(r.prompts !== undefined ? { prompts: r.prompts } : {}),
      evals: [
        {
          name: 'ralph-eval',
          kind: 'ralph',
          domain: r.domains[0],
          preset: 'hard',
          packSize: 8,
          packs: 3,
          seeds: r.seeds,
          packStrategy: 'ralph_full',
        },
      ],
      training: r.lr !== undefined ? { lr: r.lr, extra: { nested: [1, 'two'] } } : {},
    }));

  it('parse(stringify(c)) gives back c, for arbitrary curricula (text with quotes, newlines, unicode)', () => {
    fc.assert(
      fc.property(arbitraryCurriculum, (c) => {
        const back = parseCurriculum(stringifyCurriculum(c), 'saved.yaml', anyCheck).curriculum;
        expect(back).toEqual(c);
      }),
      { numRuns: 150 },
    );
  });
});
