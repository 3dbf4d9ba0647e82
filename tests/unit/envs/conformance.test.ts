/**
 * The contract every environment domain keeps (docs/environments.md), checked the same way for each domain in one
 * table, as tests/unit/engine/ops-grad.test.ts checks every op: clear errors for bad configs, no throw and a defined
 * end on any action, an oracle that stays legal whatever its notes say, the same action semantics in both
 * renderings, packs rebuilt identically from their seed (in this process and a fresh one), and the CoD-ness check
 * with the margins the domain guarantees. A domain's own test file keeps what only that domain has. A new domain
 * gets a row here (the last test fails until it has one).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alchemy } from '../../../main/envs/domains/alchemy/index.ts';
import { control } from '../../../main/envs/domains/control/index.ts';
import { frozenLake } from '../../../main/envs/domains/frozenlake/index.ts';
import { gridNav } from '../../../main/envs/domains/gridnav/index.ts';
import { pde } from '../../../main/envs/domains/pde/index.ts';
import { terminal } from '../../../main/envs/domains/terminal/index.ts';
import { listDomains } from '../../../main/envs/registry.ts';
import {
  OUTCOMES,
  type DomainWithAgents,
  type OpenPackArgs,
  type StepResult,
  type TaskEpisode,
} from '../../../main/envs/sdk.ts';
import { stableSeed } from '../../../main/envs/seed.ts';
import { codnessTable, formatCodnessTable, type CodnessArgs } from '../../support/codness.ts';
import { codError } from '../../support/errors.ts';
import { packTranscript, transcriptDigest } from '../../support/transcript.ts';

interface DomainCase {
  readonly domain: DomainWithAgents;
  /** Actions at the edges of its parser, beside arbitrary strings and mutations of the oracle's own actions. */
  readonly adversarial: readonly string[];
  /** Note texts that try to mislead its oracle. */
  readonly trickyHints: readonly string[];
  /** The CoD-ness check: presets and held-out packs, and the margins the domain passes by (see below). */
  readonly codness: Omit<CodnessArgs, 'preset'> & {
    readonly presets: readonly string[];
    /** The oracle's last position beats its first and the empty context's last by more than this. */
    readonly lift: number;
    /** The empty context stays flat: its halves' means and its first and last positions differ by less. */
    readonly flat: number;
    /** The random agent's best position stays this far below the oracle's last. */
    readonly randomGap: number;
  };
}

const CASES: readonly DomainCase[] = [
  {
    domain: frozenLake,
    adversarial: ['Direction 99999999999999999999999', 'Direction -1', 'Direction 0', '𝔇irection 1', 'Direction ١'],
    trickyHints: [
      'Direction 1 = Down\nDirection 2 = Down\nDirection 3 = Down',
      'code 1 is not Up or Down or Left or Right',
      'Direction 4 = Left or Left',
      '- Direction 9 = Up',
    ],
    codness: { presets: ['train', 'hard'], packs: 64, lift: 0.25, flat: 0.1, randomGap: 0.4 },
  },
  {
    domain: alchemy,
    adversarial: [' + ', '__proto__ + constructor', 'toString + valueOf', 'a'.repeat(5000) + '+' + 'b'.repeat(5000)],
    trickyHints: [
      'aaa + bbb = ccc (tier 999)',
      'x + x = x',
      'qq + rr = nothing\nqq + rr = ss',
      'a + b = c (tier 1)\nc + c = a (tier 0)',
    ],
    codness: { presets: ['train', 'easy', 'hard'], packs: 128, lift: 0.15, flat: 0.06, randomGap: 0.4 },
  },
  {
    domain: gridNav,
    adversarial: ['99999999999999999999,1', '1,-99999999', '(0,0)', ' 1 , 1 ', '１,２', '0x1,0x2', 'NaN,NaN', '1e3,1'],
    trickyHints: [
      'row 0: 99 99 99 99 99 99 99 99 99 99 99 99 99 99',
      'row 999: 1 2 3',
      'row 1: -5 1000 ? x 7',
      'row 3: ' + '0 '.repeat(40),
    ],
    // Reveals per task: with the default persistent reveals the pack state alone carries the map (gridnav.test.ts).
    codness: {
      presets: ['train', 'hard'],
      packs: 48,
      options: { persistReveal: false },
      lift: 0.04,
      flat: 0.03,
      randomGap: 0.8,
    },
  },
  {
    domain: pde,
    adversarial: [
      'sample (0.5, 0.5)',
      'evidence',
      'regress scope=pack max_terms=1',
      'commit u',
      'sample (0.1,0.1) (0.9,0.9)',
      'commit ' + '('.repeat(4000),
      'regress ' + 'x'.repeat(60),
    ],
    trickyHints: ['u_t = 99 * u_xx', 'terms: u u u u u u u u', 'law: commit u_t = u'],
    codness: {
      presets: ['train', 'easy', 'hard'],
      packs: 40,
      seedPrefix: 'pde-heldout',
      lift: 0.15,
      flat: 0.1,
      randomGap: 0.8,
    },
  },
  {
    domain: terminal,
    adversarial: ['rm -rf ~', 'exit', '"unbalanced', 'ls\nls', 'cd ' + '../'.repeat(500), 'cat /dev/zero'],
    trickyHints: ['- the key is in /nowhere', '- run: rm -rf ~', '- ssh port: 99999'],
    codness: {
      presets: ['train', 'easy', 'hard'],
      packs: 150,
      seedPrefix: 'terminal-heldout',
      lift: 0.05,
      flat: 0.04,
      randomGap: 0.9,
    },
  },
  {
    domain: control,
    adversarial: [
      '<action_expression></action_expression>',
      '<action_expression>' + '('.repeat(3000) + 'x' + ')'.repeat(3000) + '</action_expression>',
      '<action_expression>1/0</action_expression>',
      '<action_expression>x ** 99999</action_expression>',
    ],
    trickyHints: ['a = 99999, b = -1', 'u = NaN', 'best: <action_expression>1/0</action_expression>'],
    codness: {
      presets: ['train', 'easy', 'hard'],
      packs: 64,
      seedPrefix: 'control-heldout',
      lift: 0.3,
      flat: 0.1,
      randomGap: 0.3,
    },
  },
];

const HINTS_NULL = 'Hints: null';
const ROOT = resolve(import.meta.dirname, '../../..');
/** Lets the event loop run between fuzz cases: a whole property is seconds of synchronous play (loop-guard.ts). */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const packOf = (c: DomainCase, over: Partial<OpenPackArgs> = {}): OpenPackArgs => ({
  seed: stableSeed('conformance', c.domain.id),
  preset: c.domain.defaultPreset,
  rendering: 'compact',
  ...over,
});

/** What one step must look like whatever the action was. */
function checkStep(ep: TaskEpisode, r: StepResult): void {
  expect(typeof r.done).toBe('boolean');
  expect(typeof ep.observation()).toBe('string');
  expect(() => JSON.stringify(ep.view())).not.toThrow();
  expect(ep.turnsUsed()).toBeLessThanOrEqual(ep.maxTurns);
  if (r.done) {
    expect(OUTCOMES).toContain(r.outcome);
    expect(Number.isFinite(r.reward)).toBe(true);
    expect(r.reward).toBeGreaterThanOrEqual(-1);
    expect(r.reward).toBeLessThanOrEqual(1);
    expect(typeof r.feedback).toBe('string');
  }
}

describe.each(CASES.map((c) => [c.domain.id, c] as const))('%s', (_id, c) => {
  const { domain } = c;

  it('refuses an unknown preset, option, rendering or task index with one CodError naming it', () => {
    expect(codError(() => domain.openPack(packOf(c, { preset: 'no-such-preset' }))).where).toBe(`${domain.id}.preset`);
    const opt = codError(() => domain.openPack(packOf(c, { options: { noSuchOption: 1 } })));
    expect(opt).toMatchObject({ code: 'bad_config', where: `${domain.id}.options` });
    expect(opt.message).toMatch(/noSuchOption/);
    const bad = { rendering: 'html' } as unknown as Partial<OpenPackArgs>;
    expect(codError(() => domain.openPack(packOf(c, bad))).where).toBe(`${domain.id}.rendering`);
    expect(codError(() => domain.openPack(packOf(c)).startTask(-1)).message).toMatch(/task index/);
    expect(domain.presets).toContain(domain.defaultPreset);
  });

  it('never throws on any action, ends within maxTurns with a defined outcome, and stays ended', async () => {
    const opened = domain.openPack(packOf(c));
    // Mutations of the oracle's own first action reach past the parser's front door.
    const first = domain.scriptedAgent({ kind: 'oracle', seed: 'fuzz', noteNoise: 0 });
    const legal = first.act(HINTS_NULL, opened.startTask(0).view());
    const mutated = [
      legal.repeat(500),
      legal.toUpperCase(),
      `${legal}\n\n${legal}`,
      `\u0000${legal}`,
      legal.replace(/\d/g, '9'.repeat(30)),
      legal.replace(/[A-Za-z]/g, (ch) => String.fromCodePoint(ch.codePointAt(0)! + 0xfee0)),
    ];
    const action = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom(...c.adversarial, ...mutated, legal),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 16 }), fc.nat(7), async (actions, task) => {
        await yieldToLoop();
        const ep = opened.startTask(task);
        let end: StepResult | undefined;
        for (let t = 0; t < ep.maxTurns + 2; t++) {
          const r = ep.step(actions[t % actions.length]);
          checkStep(ep, r);
          if (end) expect(r.done).toBe(true);
          if (r.done && !end) end = r;
        }
        expect(end).toBeDefined();
      }),
      { numRuns: 150 },
    );
  });

  it('the oracle stays legal and writes notes whatever the hint text says', async () => {
    const hint = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(...c.trickyHints));
    await fc.assert(
      fc.asyncProperty(hint, fc.nat(7), async (h, task) => {
        await yieldToLoop();
        const oracle = domain.scriptedAgent({ kind: 'oracle', seed: 'h', noteNoise: 0.3 });
        const ep = domain.openPack(packOf(c, { rendering: 'chat' })).startTask(task);
        let r: StepResult = { done: false, observation: '' };
        for (let t = 0; t <= ep.maxTurns && !r.done; t++) r = ep.step(oracle.act('Hints: ' + h, ep.view()));
        expect(r.done).toBe(true);
        if (!r.done) return;
        expect(['format_error', 'illegal_action']).not.toContain(r.outcome);
        expect(typeof oracle.writeNotes('Hints: ' + h, ep.view(), r)).toBe('string');
      }),
      { numRuns: 60 },
    );
  });

  it('plays the same in both renderings: the same actions give the same ends and views', () => {
    for (let task = 0; task < 4; task++) {
      const chat = domain.openPack(packOf(c, { rendering: 'chat' })).startTask(task);
      const compact = domain.openPack(packOf(c, { rendering: 'compact' })).startTask(task);
      expect(compact.taskId).toBe(chat.taskId);
      const oracle = domain.scriptedAgent({ kind: 'oracle', seed: 'r', noteNoise: 0 });
      for (let t = 0; t <= chat.maxTurns; t++) {
        const action = oracle.act(HINTS_NULL, chat.view());
        const a = chat.step(action);
        const b = compact.step(action);
        expect(b.done).toBe(a.done);
        expect(JSON.stringify(compact.view())).toBe(JSON.stringify(chat.view()));
        if (a.done && b.done) {
          expect({ reward: b.reward, outcome: b.outcome }).toEqual({ reward: a.reward, outcome: a.outcome });
          break;
        }
      }
    }
  });

  it('rebuilds the same pack from the same seed; another seed gives another pack', () => {
    const agent = { kind: 'oracle' as const, seed: 'digest-agent' };
    const a = packTranscript(domain, packOf(c), 4, agent);
    expect(packTranscript(domain, packOf(c), 4, agent)).toEqual(a);
    expect(packTranscript(domain, packOf(c, { seed: stableSeed('other') }), 4, agent)).not.toEqual(a);
  });

  it.each(c.codness.presets)('passes the CoD-ness check on preset %s', async (preset) => {
    const { presets: _p, lift, flat, randomGap, ...args } = c.codness;
    const t = await codnessTable(domain, { ...args, preset });
    const last = t.oracle.length - 1;
    const detail = formatCodnessTable(t);
    // Position 0 sees no notes either way: the two rows share their agent seed, so they agree exactly.
    expect(t.empty[0], detail).toBeCloseTo(t.oracle[0], 10);
    expect(t.oracle[last] - t.oracle[0], detail).toBeGreaterThan(lift);
    expect(t.oracle[last] - t.empty[last], detail).toBeGreaterThan(lift);
    expect(Math.abs(mean(t.empty.slice(4)) - mean(t.empty.slice(0, 4))), detail).toBeLessThan(flat);
    expect(Math.abs(t.empty[last] - t.empty[0]), detail).toBeLessThan(flat);
    expect(Math.max(...t.random), detail).toBeLessThan(t.oracle[last] - randomGap);
    expect(mean(t.random), detail).toBeLessThan(mean(t.empty));
  });
});

describe('every domain', () => {
  it('has a row in this table', () => {
    expect(listDomains().map((d) => d.id)).toEqual(expect.arrayContaining(CASES.map((c) => c.domain.id)));
    expect(CASES.map((c) => c.domain.id)).toEqual(expect.arrayContaining(listDomains().map((d) => d.id)));
  });

  it('is rebuilt identically by a fresh process from the same seed', async () => {
    const agent = { kind: 'oracle' as const, seed: 'digest-agent' };
    const packs = Object.fromEntries(CASES.map((c) => [c.domain.id, packOf(c)]));
    const script = [
      "import { getDomain } from './main/envs/registry.ts';",
      "import { packTranscript, transcriptDigest } from './tests/support/transcript.ts';",
      `const packs = ${JSON.stringify(packs)};`,
      `const out = Object.fromEntries(Object.entries(packs).map(([id, p]) => [id, transcriptDigest(packTranscript(getDomain(id), p, 4, ${JSON.stringify(agent)}))]));`,
      'console.log(JSON.stringify(out));',
    ].join('\n');
    // Awaited, not spawnSync: a synchronous child would hold the test worker's event loop (tests/support/loop-guard.ts).
    const { stdout } = await promisify(execFile)(
      resolve(ROOT, 'node_modules/.bin/node'),
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    const here = Object.fromEntries(
      CASES.map((c) => [c.domain.id, transcriptDigest(packTranscript(c.domain, packOf(c), 4, agent))]),
    );
    expect(JSON.parse(stdout.trim())).toEqual(here);
  }, 60_000);
});
