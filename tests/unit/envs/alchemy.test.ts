import { describe, expect, it } from 'vitest';
import { stableSeed } from '../../../main/envs/seed.ts';
import { shapedReward, type OpenPackArgs, type StepResult } from '../../../main/envs/sdk.ts';
import { alchemy } from '../../../main/envs/domains/alchemy/index.ts';
import { baseNeeds, buildRecipeBook, type RecipeBook } from '../../../main/envs/domains/alchemy/instance.ts';
import { parseKnowledge } from '../../../main/envs/domains/alchemy/knowledge.ts';
import { alchemyParams } from '../../../main/envs/domains/alchemy/params.ts';
import { pairKey } from '../../../main/envs/domains/alchemy/recipes.ts';
import { makeTask, TargetSequence } from '../../../main/envs/domains/alchemy/task.ts';
import type { AlchemyView } from '../../../main/envs/domains/alchemy/view.ts';
import { codError } from '../../support/errors.ts';
import { codnessTable } from '../../support/codness.ts';
import {
  PAPER_FORMAT_ERROR as PAPER_ALCHEMY_FORMAT,
  PaperAlchemyEpisode,
} from '../../../main/envs/domains/alchemy/paper-episode.ts';
import {
  baseCounts,
  buildPaperPack,
  roundHalfEven,
  traceSolution,
  type PaperRecipeBook,
} from '../../../main/envs/domains/alchemy/paper-instance.ts';
import { paperAlchemyParams } from '../../../main/envs/domains/alchemy/params.ts';

const SEED = stableSeed('al-test');
const pack = (over: Partial<OpenPackArgs> = {}): OpenPackArgs => ({
  seed: SEED,
  preset: 'easy',
  rendering: 'chat',
  ...over,
});
const bookOf = (preset: string, seed = SEED, options?: Record<string, unknown>) =>
  buildRecipeBook(alchemyParams(preset, options), seed, preset);

/** The full derivation of `name` as a list of combinations, following each element's first recipe. */
function derivation(book: RecipeBook, name: string, out: [string, string][] = [], made = new Set<string>()) {
  const el = book.elements.get(name);
  if (!el || el.tier === 0 || made.has(name)) return out;
  const r = book.recipesOf.get(name)![0];
  derivation(book, r.a, out, made);
  derivation(book, r.b, out, made);
  made.add(name);
  out.push([r.a, r.b]);
  return out;
}

describe('alchemy config and recipe book', () => {
  it('rejects unknown presets and bad options with one CodError', () => {
    expect(codError(() => alchemy.openPack(pack({ preset: 'expert' }))).message).toMatch(/unknown preset 'expert'/);
    expect(codError(() => alchemy.openPack(pack({ options: { tiers: 3 } }))).where).toBe('alchemy.options');
    expect(codError(() => alchemy.openPack(pack({ options: { limited: 'yes' } }))).where).toBe(
      'alchemy.options.limited',
    );
    expect(codError(() => alchemy.openPack(pack({ options: { minBase: 5, maxBase: 3 } }))).code).toBe('bad_config');
    expect(codError(() => alchemy.scriptedAgent({ kind: 'genius' as 'oracle', seed: '', noteNoise: 0 })).where).toBe(
      'alchemy.agent.kind',
    );
  });

  it('builds tiers, names and recipes as the spec says, for every preset', () => {
    for (const preset of ['train', 'easy', 'hard']) {
      const params = alchemyParams(preset, undefined);
      for (let k = 0; k < 25; k++) {
        const book = bookOf(preset, stableSeed('al-book', k));
        expect(book.tiers.length).toBeGreaterThanOrEqual(params.minTiers);
        expect(book.tiers.length).toBeLessThanOrEqual(params.maxTiers);
        expect(book.tiers[0].length).toBeGreaterThanOrEqual(params.minBase);
        expect(book.tiers[0].length).toBeLessThanOrEqual(params.maxBase);
        const names = [...book.elements.keys()];
        expect(new Set(names).size).toBe(names.length);
        for (const n of names) expect(n).toMatch(/^[a-z]{3,5}$/);
        for (let t = 1; t < book.tiers.length; t++) {
          expect(book.tiers[t].length).toBeLessThanOrEqual(book.tiers[t - 1].length);
          for (const name of book.tiers[t]) {
            const recipes = book.recipesOf.get(name) ?? [];
            expect(recipes.length).toBeGreaterThanOrEqual(1);
            expect(recipes.length).toBeLessThanOrEqual(params.maxRecipes);
            for (const r of recipes) {
              const tiers = [book.elements.get(r.a)!.tier, book.elements.get(r.b)!.tier].sort();
              expect(tiers[1]).toBe(t - 1);
              expect(book.products.get(pairKey(r.a, r.b))).toBe(name);
            }
          }
        }
        const inputs = new Set([...book.recipesOf.values()].flat().flatMap((r) => [r.a, r.b]));
        for (const el of book.elements.values()) if (el.deadEnd) expect(inputs.has(el.name)).toBe(false);
        if (params.maxNoise === 0) expect([...book.elements.values()].some((e) => e.deadEnd)).toBe(false);
      }
    }
    const hardDeadEnds = Array.from({ length: 25 }, (_, k) => bookOf('hard', stableSeed('al-book', k))).filter((b) =>
      [...b.elements.values()].some((e) => e.deadEnd),
    );
    expect(hardDeadEnds.length).toBeGreaterThan(5);
  });

  it('draws targets without replacement across the pack and budgets limited materials from the need', () => {
    for (let k = 0; k < 20; k++) {
      const seed = stableSeed('al-targets', k);
      const book = bookOf('hard', seed);
      const targets = new TargetSequence(book, seed, 'hard');
      const real = [...book.elements.values()].filter((e) => e.tier > 0 && !e.deadEnd).length;
      const first = Array.from({ length: 8 }, (_, i) => targets.at(i));
      // Without replacement: no element comes back before every element has been drawn once.
      const counts = new Map<string, number>();
      for (const t of first) counts.set(t, (counts.get(t) ?? 0) + 1);
      expect(counts.size).toBe(Math.min(8, real));
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(Math.ceil(8 / real));
      for (const t of first) expect(book.elements.get(t)!.tier).toBeGreaterThan(0);
      // Task i is the same whichever tasks were opened before.
      expect(new TargetSequence(book, seed, 'hard').at(5)).toBe(targets.at(5));
      const task = makeTask(alchemyParams('hard', undefined), book, targets, seed, 'hard', 2);
      const need = Math.max(...baseNeeds(book, task.target).values());
      expect(task.baseCount).toBeGreaterThanOrEqual(Math.ceil(need * 1.5));
      expect(task.baseCount).toBeLessThanOrEqual(Math.ceil(need * 2));
    }
  });
});

describe('alchemy episode', () => {
  it('crafts along the hidden recipes and succeeds on the target with the shaped reward', () => {
    for (let i = 0; i < 8; i++) {
      const ep = alchemy.openPack(pack()).startTask(i);
      const v0 = ep.view() as AlchemyView;
      const steps = derivation(bookOf('easy'), v0.target);
      let r: StepResult = { done: false, observation: '' };
      for (const [a, b] of steps) r = ep.step(`${a.toUpperCase()} + ${b}`);
      expect(r).toMatchObject({ done: true, outcome: 'success', reward: shapedReward(true, steps.length, 8) });
      expect((ep.view() as AlchemyView).recipes.map((d) => d.product).at(-1)).toBe(v0.target);
      expect(ep.rules()).toContain(`Target: ${v0.target} (tier ${v0.targetTier})`);
    }
  });

  it('records failed combinations, ends on format errors, unknown elements and the round limit', () => {
    const book = bookOf('easy');
    const base = book.tiers[0];
    const fails: [string, string][] = [];
    base.forEach((a, i) => base.slice(i).forEach((b) => !book.products.has(pairKey(a, b)) && fails.push([a, b])));
    expect(fails.length).toBeGreaterThan(0);
    const ep = alchemy.openPack(pack()).startTask(0);
    const r = ep.step(`${fails[0][1]}+${fails[0][0]}`);
    expect(r.done).toBe(false);
    expect((ep.view() as AlchemyView).failed).toEqual([fails[0]]);
    expect(r.observation).toContain('nothing happened');
    for (const bad of ['', base[0], `${base[0]} + `, `${base[0]} and ${base[1]}`, `${base[0]}+${base[1]}+${base[0]}`]) {
      expect(alchemy.openPack(pack()).startTask(0).step(bad)).toMatchObject({ outcome: 'format_error', reward: 0 });
    }
    const illegal = alchemy.openPack(pack()).startTask(0).step(`${base[0]} + qqqqq`);
    expect(illegal).toMatchObject({ outcome: 'illegal_action', reward: 0 });
    const short = alchemy.openPack(pack({ options: { rounds: 2 } })).startTask(0);
    short.step(`${fails[0][0]} + ${fails[0][1]}`);
    const end = short.step(`${fails[0][0]} + ${fails[0][1]}`);
    expect(end).toMatchObject({ done: true, outcome: 'out_of_turns', reward: 0 });
    expect(short.step(`${fails[0][0]} + ${fails[0][1]}`)).toEqual(end);
    expect(alchemy.openPack(pack()).startTask(0).formatError('two answers')).toMatchObject({
      outcome: 'format_error',
      reward: 0,
    });
  });

  it('consumes inputs when materials are limited and ends when they run out', () => {
    const ep = alchemy.openPack(pack({ preset: 'hard' })).startTask(0);
    const v = ep.view() as AlchemyView;
    const [x, y] = v.inventory.map((it) => it.name);
    const count = v.inventory[0].count!;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(ep.rules()).toContain(`${count} of each base element`);
    ep.step(`${x} + ${y}`);
    const after = ep.view() as AlchemyView;
    expect(after.inventory.find((it) => it.name === x)!.count).toBe(count - 1);
    expect(after.inventory.find((it) => it.name === y)!.count).toBe(count - 1);
    let r: StepResult = { done: false, observation: '' };
    for (let i = 0; i < count && !r.done; i++) r = ep.step(`${x} + ${x}`);
    expect(r).toMatchObject({ done: true, reward: 0 });
    expect(r.done && ['out_of_resources', 'success'].includes(r.outcome)).toBe(true);
    expect(r.done && r.outcome === 'out_of_resources' && r.feedback).toMatch(/not enough|out of materials/);
  });
});

describe('alchemy renderings and determinism', () => {
  it('chat and compact carry the same information and the same action syntax', () => {
    const chat = alchemy.openPack(pack({ preset: 'hard' })).startTask(3);
    const compact = alchemy.openPack(pack({ preset: 'hard', rendering: 'compact' })).startTask(3);
    const oracle = alchemy.scriptedAgent({ kind: 'oracle', seed: 'r', noteNoise: 0 });
    for (const text of [chat.rules(), compact.rules()]) {
      expect(text).toContain('<answer>a + b</answer>');
      for (const b of bookOf('hard').tiers[0]) expect(text).toContain(b);
    }
    for (let turn = 0; turn < 15; turn++) {
      const v = chat.view() as AlchemyView;
      expect(compact.view()).toEqual(v);
      const texts = [chat.observation(), compact.observation()];
      for (const t of texts) {
        expect(t).toContain(v.target);
        for (const it of v.inventory) expect(t).toContain(it.name);
        for (const it of v.inventory) expect(t).toMatch(new RegExp(`${it.name}[^\\n]*?${it.count}`));
        for (const [a, b] of v.failed) expect(t).toContain(`${a} + ${b}`);
        for (const d of v.recipes) expect(t).toContain(`${d.a} + ${d.b} = ${d.product}`);
      }
      expect(texts[1].length).toBeLessThan(texts[0].length);
      const action = oracle.act('Hints: null', v);
      const a = chat.step(action);
      const b = compact.step(action);
      if (a.done || b.done) {
        expect(b).toMatchObject({ done: a.done, ...(a.done ? { reward: a.reward, outcome: a.outcome } : {}) });
        break;
      }
    }
  });
});

describe('alchemy scripted agents', () => {
  it('the oracle notes only true facts about the hidden book, and reads them back', () => {
    for (const preset of ['easy', 'hard']) {
      const seed = stableSeed('al-notes', preset);
      const book = bookOf(preset, seed);
      const p = alchemy.openPack(pack({ preset, seed }));
      const oracle = alchemy.scriptedAgent({ kind: 'oracle', seed: 'n', noteNoise: 0 });
      let hints = 'Hints: null';
      for (let j = 0; j < 5; j++) {
        const ep = p.startTask(j);
        let r: StepResult = { done: false, observation: '' };
        while (!r.done) r = ep.step(oracle.act(hints, ep.view()));
        const notes = oracle.writeNotes(hints, ep.view(), r);
        for (const line of notes.split('\n')) expect(line).toMatch(/^(### .+|- .+|)$/);
        const k = parseKnowledge(notes);
        for (const f of k.recipes.values()) {
          expect(book.products.get(pairKey(f.a, f.b))).toBe(f.product);
          expect(f.tier).toBe(book.elements.get(f.product)!.tier);
        }
        for (const [a, b] of k.failed.values()) expect(book.products.has(pairKey(a, b))).toBe(false);
        // Notes keep what earlier notes knew.
        expect(k.recipes.size).toBeGreaterThanOrEqual(parseKnowledge(hints).recipes.size);
        hints = 'Hints: ' + notes;
      }
      expect(parseKnowledge(hints).recipes.size).toBeGreaterThan(2);
    }
  });

  it('noteNoise drops or corrupts facts', () => {
    const seed = stableSeed('al-noise');
    const book = bookOf('easy', seed);
    const truth = [...book.recipesOf.values()].flat().map((r) => `- ${r.a} + ${r.b} = ${r.product}`);
    const hints = 'Hints: ' + truth.join('\n');
    const notes = (noteNoise: number) => {
      const oracle = alchemy.scriptedAgent({ kind: 'oracle', seed: 'q', noteNoise });
      const ep = alchemy.openPack(pack({ seed })).startTask(0);
      let r: StepResult = { done: false, observation: '' };
      while (!r.done) r = ep.step(oracle.act(hints, ep.view()));
      return parseKnowledge(oracle.writeNotes(hints, ep.view(), r));
    };
    expect(notes(0).recipes.size).toBe(truth.length);
    const noisy = notes(1);
    expect(noisy.recipes.size + noisy.failed.size).toBeLessThan(truth.length);
    for (const f of noisy.recipes.values()) expect(book.products.get(pairKey(f.a, f.b))).not.toBe(f.product);
  });
});

/**
 * The 'paper' presets against the reference (shiweijiezero/Trinity-RFT @ 622ba7ee, trinity/common/workflows/
 * connect_the_dots/alchemy/: workflow_random.py, env.py, random_graph.py, prompts/*.jinja2; the presets' arguments
 * from agentscope-ai/Trinity-RFT exp_plan_final/bench/eval_alchemy_easy.yaml @ 1d7fae4a and eval_alchemy_hard.yaml
 * @ 139d1c43). Each expected string is transcribed from that code.
 */
describe('alchemy paper presets (the reference)', () => {
  // A hand-made book: base a, b, c; m = a + b (tier 1); t = m + m (tier 2); d = c + c a noise dead end (tier 1).
  const book: PaperRecipeBook = {
    tiers: [['bb', 'aa', 'cc'], ['mm', 'dd'], ['tt']],
    tierOf: new Map([
      ['bb', 0],
      ['aa', 0],
      ['cc', 0],
      ['mm', 1],
      ['dd', 1],
      ['tt', 2],
    ]),
    noise: new Set(['dd']),
    recipes: new Map([
      ['aa+bb', 'mm'],
      ['mm+mm', 'tt'],
      ['cc+cc', 'dd'],
    ]),
  };
  const unlimited = () =>
    new PaperAlchemyEpisode('alchemy/t/0', book, { target: 'tt', baseCount: 1 }, 8, false, 'chat');
  const limited = (n = 2, rounds = 15) =>
    new PaperAlchemyEpisode('alchemy/t/0', book, { target: 'tt', baseCount: n }, rounds, true, 'chat');

  it('an element not held wastes the round and the game goes on: "\'x\' is not in your inventory."', () => {
    const ep = unlimited();
    const r = ep.step('zz + aa');
    expect(r.done).toBe(false);
    expect(ep.turnsUsed()).toBe(1);
    expect(r.observation).toBe(
      "Round 2/8\n\n'zz' is not in your inventory.\n\nTarget: tt\n\nAvailable elements in your inventory:\n" +
        '- aa\n- bb\n- cc\n\nChoose two elements available in your inventory to combine.',
    );
    expect((ep.step('aa + qq') as { observation: string }).observation).toContain("\n'qq' is not in your inventory.\n");
    expect((ep.step('xx + yy') as { observation: string }).observation).toContain(
      "\n'xx' and 'yy' are not in your inventory.\n",
    );
    // Names match the inventory in any case; a name not held is echoed as typed.
    expect((ep.step('AA + Zq') as { observation: string }).observation).toContain("\n'Zq' is not in your inventory.\n");
  });

  it('renders the first user turn and the combination feedback as user.jinja2 does', () => {
    const ep = unlimited();
    expect(ep.observation()).toBe(
      'Round 1/8\n\nTarget: tt\n\nAvailable elements in your inventory:\n- aa\n- bb\n- cc\n\n' +
        'Choose two elements available in your inventory to combine.',
    );
    expect((ep.step('cc + aa') as { observation: string }).observation).toContain('\ncc + aa — nothing happened.\n');
    const made = ep.step('BB + aa') as { observation: string };
    expect(made.observation).toBe(
      'Round 3/8\n\nYou combined bb + aa and created: mm!\n\nTarget: tt\n\nAvailable elements in your inventory:\n' +
        '- aa\n- bb\n- cc\n- mm\n\nChoose two elements available in your inventory to combine.',
    );
    const won = ep.step('mm + mm');
    expect(won).toMatchObject({ done: true, outcome: 'success', feedback: 'Success! Synthesized tt.' });
    expect(won.done && won.reward).toBeCloseTo(1 - (0.1 * 3) / 8, 12);
  });

  it('limited materials: consumption, "Not enough", "Materials consumed.", out of materials', () => {
    const ep = limited(2);
    expect(ep.observation()).toContain('\nInventory (6 total copies):\n- aa x2\n- bb x2\n- cc x2\n');
    expect((ep.step('aa + cc') as { observation: string }).observation).toContain(
      '\naa + cc — nothing happened. Materials consumed.\n\nTarget: tt\n\nInventory (4 total copies):\n- aa x1\n- bb x2\n- cc x1\n',
    );
    expect((ep.step('aa + aa') as { observation: string }).observation).toContain(
      "\nNot enough 'aa' (need 2, have 1).\n",
    );
    const one = limited(1);
    one.step('aa + bb'); // mm
    one.step('cc + mm'); // nothing: cc and mm used up, nothing left to pair
    const end = one.step('mm + mm'); // neither copy held: a wasted round
    expect(end).toMatchObject({
      done: true,
      outcome: 'out_of_resources',
      reward: 0,
      feedback: 'Failed: Ran out of materials. Could not synthesize tt. Used 2 rounds.',
    });
  });

  it('ends on the round limit and on a format error with the reference messages', () => {
    const ep = limited(9, 2);
    ep.step('aa + cc');
    expect(ep.step('aa + cc')).toMatchObject({
      done: true,
      outcome: 'out_of_turns',
      feedback: 'Failed: Ran out of rounds (2/2). Could not synthesize tt.',
    });
    for (const a of ['aa', 'aa + bb + cc', 'aa +', '+ bb', 'aa, bb']) {
      expect(unlimited().step(a), a).toMatchObject({
        done: true,
        outcome: 'format_error',
        feedback: PAPER_ALCHEMY_FORMAT,
      });
    }
    expect(PAPER_ALCHEMY_FORMAT).toBe(
      'Invalid format: could not parse combination. Expected format: {your reasoning process here}' +
        '<answer>Element1 + Element2</answer>. Game over.',
    );
  });

  it('the system prompt lists every element of the instance by tier, dead ends included', () => {
    const rules = unlimited().rules();
    expect(rules).toContain(
      '\n## Element Tiers\n\n- tier 0: bb, aa, cc\n- tier 1: mm, dd\n- tier 2: tt\n\n' +
        "The target element 'tt' is at tier 2.\n\n## Response Format\n",
    );
    expect(
      rules.startsWith(
        'You are in an Alchemy crafting environment. Your goal is to synthesize the target element "tt"',
      ),
    ).toBe(true);
    expect(rules).toContain('\n- **No consumption**: Elements are NOT consumed when used.');
    expect(limited().rules()).toContain(
      '\n- **Ending**: The game ends when you succeed, run out of materials, or reach the round limit.\n',
    );
    expect(rules).toContain('based on element names. \n\n## Hidden Clues About the Environment\nRecipes (i.e.,');
    expect(rules.endsWith('similar tasks later on.\n')).toBe(true);
  });

  it("generates books as random_graph.py: Python's rounding, no cross-tier recipe at max_tier_gap 1, S targets", () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3]);
    for (const preset of ['paper', 'paper-hard']) {
      const params = paperAlchemyParams(preset, undefined);
      for (let k = 0; k < 30; k++) {
        const { book: b, targets } = buildPaperPack(params, stableSeed('al-paper', k), preset, 8);
        expect(b.tiers.length).toBeGreaterThanOrEqual(3);
        expect(b.tiers.length).toBeLessThanOrEqual(4);
        // max(1, round(size · shrink)) with shrink <= 0.8: at least one, never more than the tier below.
        const real = b.tiers.map((names) => names.filter((n) => !b.noise.has(n)).length);
        for (let t = 1; t < real.length; t++) {
          expect(real[t]).toBeGreaterThanOrEqual(1);
          expect(real[t]).toBeLessThanOrEqual(real[t - 1]);
        }
        for (const [key, product] of b.recipes) {
          const [x, y] = key.split('+');
          expect(b.tierOf.get(x), key).toBe(b.tierOf.get(product)! - 1);
          expect(b.tierOf.get(y), key).toBe(b.tierOf.get(product)! - 1);
        }
        expect(targets.every((n) => !b.noise.has(n) && b.tierOf.get(n)! >= 1)).toBe(true);
        expect(new Set(targets).size).toBe(targets.length);
        if (preset === 'paper') expect(b.noise.size).toBe(0);
      }
    }
    const params = paperAlchemyParams('paper', undefined);
    expect(buildPaperPack(params, SEED, 'paper', 4).targets.length).toBeLessThanOrEqual(4);
    // The pack size reaches the domain through openPack: S = 4 and S = 8 draw different schedules.
    const p4 = alchemy.openPack(pack({ preset: 'paper', packSize: 4 }));
    const targetsOf = (p: typeof p4, n: number) =>
      Array.from({ length: n }, (_, i) => (p.startTask(i).view() as AlchemyView).target);
    const t4 = targetsOf(p4, 8);
    const distinct = new Set(t4).size;
    expect(distinct).toBeLessThanOrEqual(4);
    t4.forEach((name, i) => expect(name).toBe(t4[i % distinct])); // ordered[i % len]
    expect(codError(() => alchemy.openPack(pack({ preset: 'paper', packSize: 0 }))).where).toBe('alchemy.packSize');
    expect(codError(() => alchemy.openPack(pack({ preset: 'paper', options: { rounds: 0 } }))).where).toBe(
      'alchemy.options.rounds',
    );
  });

  it('the limited budget follows _trace_solution / _compute_base_counts, quirks included', () => {
    const path = traceSolution(book, 'tt');
    expect(path).toEqual([
      ['aa', 'bb', 'mm'],
      ['mm', 'mm', 'tt'],
    ]);
    // mm is made once (expanded once) but used twice: the second use counts as "needed".
    expect(Object.fromEntries(baseCounts(path))).toEqual({ aa: 1, bb: 1, mm: 1 });
  });

  it('passes the CoD-ness check with the oracle', async () => {
    const t = await codnessTable(alchemy, { preset: 'paper', packs: 48, rendering: 'chat' });
    const last = t.oracle.length - 1;
    expect(t.oracle[last]).toBeGreaterThan(t.oracle[0] + 0.08);
    expect(t.oracle[last]).toBeGreaterThan(t.empty[last] + 0.08);
  });
});
