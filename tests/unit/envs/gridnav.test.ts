import { describe, expect, it } from 'vitest';
import { stableSeed } from '../../../main/envs/seed.ts';
import type { OpenPackArgs, StepResult } from '../../../main/envs/sdk.ts';
import { gridNav } from '../../../main/envs/domains/gridnav/index.ts';
import { rookPath } from '../../../main/envs/domains/gridnav/episode.ts';
import { buildCostMap } from '../../../main/envs/domains/gridnav/instance.ts';
import { parseCostNotes } from '../../../main/envs/domains/gridnav/knowledge.ts';
import { gridNavParams } from '../../../main/envs/domains/gridnav/params.ts';
import { generateTask } from '../../../main/envs/domains/gridnav/task.ts';
import type { GridNavView } from '../../../main/envs/domains/gridnav/view.ts';
import { codnessTable } from '../../support/codness.ts';
import { codError } from '../../support/errors.ts';
import {
  PAPER_GRID_PRESETS,
  PaperGridEpisode,
  PaperGridPack,
  paperGridTask,
  paperSystemPrompt as paperGridSystem,
  type PaperGridTask,
} from '../../../main/envs/domains/gridnav/paper.ts';

const SEED = stableSeed('gn-test');
const pack = (over: Partial<OpenPackArgs> = {}): OpenPackArgs => ({
  seed: SEED,
  preset: 'train',
  rendering: 'chat',
  ...over,
});
const mapOf = (preset = 'train', seed = SEED) => buildCostMap(gridNavParams(preset, undefined), seed, preset);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Play a fixed route; returns the last step result. */
function play(ep: ReturnType<ReturnType<typeof gridNav.openPack>['startTask']>, moves: string[]): StepResult {
  let r: StepResult = { done: false, observation: '' };
  for (const m of moves) r = ep.step(m);
  return r;
}

/** A legal route of exactly `rounds` rook moves from start to goal, by backward reachability (independent of the planner). */
function route(size: number, start: readonly [number, number], goal: readonly [number, number], rounds: number) {
  const dests = (r: number, c: number): [number, number][] => [
    ...Array.from({ length: size }, (_, j): [number, number] => [r, j]).filter(([, j]) => j !== c),
    ...Array.from({ length: size }, (_, i): [number, number] => [i, c]).filter(([i]) => i !== r),
  ];
  // can[m] = cells from which the goal is reachable in exactly m moves.
  const can: Set<string>[] = [new Set([`${goal[0]},${goal[1]}`])];
  for (let m = 1; m <= rounds; m++) {
    const next = new Set<string>();
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++)
        if (dests(r, c).some(([i, j]) => can[m - 1].has(`${i},${j}`))) next.add(`${r},${c}`);
    can.push(next);
  }
  const moves: [number, number][] = [];
  let at: [number, number] = [start[0], start[1]];
  for (let m = rounds; m >= 1; m--) {
    at = dests(at[0], at[1]).find(([i, j]) => can[m - 1].has(`${i},${j}`))!;
    moves.push(at);
  }
  return moves;
}

describe('gridnav config, map and tasks', () => {
  it('rejects unknown presets and bad options with one CodError', () => {
    expect(codError(() => gridNav.openPack(pack({ preset: 'tiny' }))).message).toMatch(/unknown preset 'tiny'/);
    expect(codError(() => gridNav.openPack(pack({ options: { persist: false } }))).where).toBe('gridnav.options');
    expect(codError(() => gridNav.openPack(pack({ options: { revealRadius: -1 } }))).where).toBe(
      'gridnav.options.revealRadius',
    );
    expect(codError(() => gridNav.openPack(pack({ options: { minRounds: 5, maxRounds: 3 } }))).code).toBe('bad_config');
    expect(codError(() => gridNav.openPack(pack()).startTask(1.5)).code).toBe('bad_input');
  });

  it('draws square maps of costs 0-99 in the preset sizes, and exact-length reachable tasks', () => {
    const sizes: Record<string, [number, number]> = { train: [8, 12], easy: [10, 12], hard: [12, 14] };
    for (const [preset, [lo, hi]] of Object.entries(sizes)) {
      for (let k = 0; k < 15; k++) {
        const seed = stableSeed('gn-map', k);
        const map = mapOf(preset, seed);
        expect(map.size).toBeGreaterThanOrEqual(lo);
        expect(map.size).toBeLessThanOrEqual(hi);
        const flat = map.costs.flat();
        expect(flat).toHaveLength(map.size * map.size);
        expect(Math.min(...flat)).toBe(0);
        expect(Math.max(...flat)).toBe(99);
        for (const v of flat) expect(Number.isInteger(v)).toBe(true);
        const t = generateTask(gridNavParams(preset, undefined), map.size, seed, preset, k);
        expect(t.rounds).toBeGreaterThanOrEqual(3);
        expect(t.rounds).toBeLessThanOrEqual(5);
        expect(t.start).not.toEqual(t.goal);
      }
    }
  });
});

describe('gridnav episode', () => {
  it('scores an exact-length route ending on the target by the mean entered cost', () => {
    const map = mapOf();
    for (let i = 0; i < 10; i++) {
      const ep = gridNav.openPack(pack()).startTask(i);
      const v0 = ep.view() as GridNavView;
      const moves = route(map.size, v0.position, v0.goal, v0.maxTurns);
      let at = v0.position;
      const entered: number[] = [];
      for (const m of moves) {
        for (const [r, c] of rookPath(at, m)) entered.push(map.costs[r][c]);
        at = m;
      }
      const r = play(
        ep,
        moves.map(([a, b]) => `(${a}, ${b})`),
      );
      expect(r).toMatchObject({ done: true, outcome: 'success' });
      expect(r.done && r.reward).toBeCloseTo(1 - mean(entered) / 100, 12);
      expect(ep.turnsUsed()).toBe(v0.maxTurns);
    }
  });

  it('fails when the last round does not end on the target, and ends on bad or illegal moves', () => {
    let failures = 0;
    for (let i = 0; i < 10; i++) {
      const ep = gridNav.openPack(pack()).startTask(i);
      const v = ep.view() as GridNavView;
      // Shuttle along the start row between the start and another column.
      const [r0, c0] = v.position;
      const other = c0 === 0 ? 1 : 0;
      const final = v.maxTurns % 2 === 0 ? [r0, c0] : [r0, other];
      if (final[0] === v.goal[0] && final[1] === v.goal[1]) continue;
      const end = play(
        ep,
        Array.from({ length: v.maxTurns }, (_, k) => (k % 2 === 0 ? `${r0},${other}` : `${r0},${c0}`)),
      );
      expect(end).toMatchObject({ done: true, outcome: 'failure', reward: 0 });
      expect(end.done && end.feedback).toMatch(/not on the target/);
      failures++;
    }
    expect(failures).toBeGreaterThan(5);
    const v = gridNav.openPack(pack()).startTask(0).view() as GridNavView;
    const [r0, c0] = v.position;
    const fresh = () => gridNav.openPack(pack()).startTask(0);
    for (const bad of ['', 'up', '3', '3,4,5', '(3;4)', 'row 3 col 4', '3.5,2']) {
      expect(fresh().step(bad)).toMatchObject({ done: true, outcome: 'format_error', reward: 0 });
    }
    const size = v.size;
    const diag = `${(r0 + 1) % size},${(c0 + 1) % size}`;
    for (const bad of [`${r0},${c0}`, diag, `${r0},${size}`, `-1,${c0}`]) {
      expect(fresh().step(bad)).toMatchObject({ done: true, outcome: 'illegal_action', reward: 0 });
    }
    expect(fresh().formatError('no answer')).toMatchObject({ outcome: 'format_error', reward: 0 });
  });

  it('reveals cells within radius 1 of entered cells; revealed cells persist across the pack by default', () => {
    const p = gridNav.openPack(pack());
    const ep = p.startTask(0);
    const v0 = ep.view() as GridNavView;
    expect(v0.costs.flat().every((c) => c === null)).toBe(true);
    const [r0, c0] = v0.position;
    const to: [number, number] = [r0, c0 === 0 ? 2 : 0];
    ep.step(`${to[0]},${to[1]}`);
    const v1 = ep.view() as GridNavView;
    const map = mapOf();
    const entered = rookPath(v0.position, to);
    for (let r = 0; r < v1.size; r++) {
      for (let c = 0; c < v1.size; c++) {
        const near = entered.some(([er, ec]) => Math.max(Math.abs(er - r), Math.abs(ec - c)) <= 1);
        expect(v1.costs[r][c]).toBe(near ? map.costs[r][c] : null);
      }
    }
    const revealed = v1.costs.flat().filter((c) => c !== null).length;
    expect((p.startTask(1).view() as GridNavView).costs.flat().filter((c) => c !== null).length).toBe(revealed);
    const q = gridNav.openPack(pack({ options: { persistReveal: false } }));
    q.startTask(0).step(`${to[0]},${to[1]}`);
    expect((q.startTask(1).view() as GridNavView).costs.flat().every((c) => c === null)).toBe(true);
  });
});

describe('gridnav renderings and determinism', () => {
  it('chat and compact carry the same information and the same action syntax', () => {
    const chat = gridNav.openPack(pack({ preset: 'easy' })).startTask(1);
    const compact = gridNav.openPack(pack({ preset: 'easy', rendering: 'compact' })).startTask(1);
    for (const t of [chat.rules(), compact.rules()]) {
      expect(t).toContain('<answer>row,col</answer>');
      expect(t).toContain(`${chat.maxTurns} rounds`);
    }
    const oracle = gridNav.scriptedAgent({ kind: 'oracle', seed: 'r', noteNoise: 0 });
    for (;;) {
      const v = chat.view() as GridNavView;
      expect(compact.view()).toEqual(v);
      const texts = [chat.observation(), compact.observation()];
      for (const t of texts) {
        expect(t).toContain(`(${v.position[0]},${v.position[1]})`);
        expect(t).toContain(`(${v.goal[0]},${v.goal[1]})`);
        if (v.lastPath.length > 0) expect(t).toContain((v.enteredCostSum / v.enteredCount).toFixed(2));
        for (const [r, c] of v.lastPath) expect(t).toContain(`(${r},${c})`);
      }
      v.costs.forEach((row, r) => {
        const cells = row.map((x) => (x === null ? '?' : String(x)));
        expect(texts[1]).toContain(`${r}: ${cells.join(' ')}`);
        expect(texts[0].replace(/ +/g, ' ')).toContain(`${r} ${cells.join(' ')}`);
      });
      expect(texts[1].length).toBeLessThan(texts[0].length);
      const action = oracle.act('Hints: null', v);
      const a = chat.step(action);
      const b = compact.step(action);
      expect(b.done).toBe(a.done);
      if (a.done && b.done) {
        expect([b.reward, b.outcome]).toEqual([a.reward, a.outcome]);
        break;
      }
    }
  });
});

describe('gridnav scripted agents', () => {
  it('the oracle notes the revealed costs exactly and reads them back', () => {
    const p = gridNav.openPack(pack({ options: { persistReveal: false } }));
    const map = mapOf();
    const oracle = gridNav.scriptedAgent({ kind: 'oracle', seed: 'n', noteNoise: 0 });
    let hints = 'Hints: null';
    let known = 0;
    for (let j = 0; j < 4; j++) {
      const ep = p.startTask(j);
      let r: StepResult = { done: false, observation: '' };
      while (!r.done) r = ep.step(oracle.act(hints, ep.view()));
      expect(r.outcome).toBe('success');
      const notes = oracle.writeNotes(hints, ep.view(), r);
      for (const line of notes.split('\n')) expect(line).toMatch(/^(### .+|- row \d+: .+)$/);
      const noted = parseCostNotes(notes, map.size);
      noted.forEach((row, i) => row.forEach((v, c) => v !== null && expect(v).toBe(map.costs[i][c])));
      const count = noted.flat().filter((v) => v !== null).length;
      expect(count).toBeGreaterThan(known);
      known = count;
      hints = 'Hints: ' + notes;
    }
    const noisy = gridNav.scriptedAgent({ kind: 'oracle', seed: 'n', noteNoise: 1 });
    const ep = p.startTask(5);
    let r: StepResult = { done: false, observation: '' };
    while (!r.done) r = ep.step(noisy.act(hints, ep.view()));
    const corrupted = parseCostNotes(noisy.writeNotes(hints, ep.view(), r), map.size);
    const same = corrupted
      .flat()
      .filter((v, k) => v !== null && v === map.costs[Math.floor(k / map.size)][k % map.size]);
    expect(same.length).toBeLessThan(known / 4);
  });

  it('with persistent reveals (the default) the pack state alone carries the map: notes add nothing', async () => {
    const t = await codnessTable(gridNav, { preset: 'train', packs: 24 });
    expect(t.oracle[t.oracle.length - 1]).toBeGreaterThan(t.oracle[0] + 0.04);
    t.oracle.forEach((x, j) => expect(t.empty[j]).toBeCloseTo(x, 10));
  });
});

/**
 * The 'paper' presets against the reference (agentscope-ai/Trinity-RFT @ 139d1c43, trinity/common/workflows/
 * connect_the_dots/grid_navigation/: env.py, workflow.py, prompts/*.jinja2; presets from
 * exp_plan_final/train/grid_navigation_27b.yaml). Expected strings are transcribed from that code.
 */
describe('gridnav paper presets (the reference)', () => {
  const params = PAPER_GRID_PRESETS.paper;
  const packOf = (seed = 'gn-paper') => new PaperGridPack(params, stableSeed(seed), 'paper');

  it('draws the landscape of 4 components with scales 0.15-0.45 into integer costs 0-99', () => {
    expect(params).toMatchObject({ components: 4, minScale: 0.15, maxScale: 0.45, minSize: 8, maxSize: 12 });
    expect(PAPER_GRID_PRESETS['paper-hard']).toMatchObject({ components: 5, minSize: 10, maxSize: 14 });
    for (let k = 0; k < 10; k++) {
      const flat = packOf(`gn-${k}`).costs.flat();
      expect(Math.min(...flat)).toBe(0);
      expect(Math.max(...flat)).toBe(99);
      expect(flat.every((v) => Number.isInteger(v))).toBe(true);
    }
    const t = paperGridTask(params, 10, 's', 'paper', 0);
    expect(t.rounds).toBeGreaterThanOrEqual(3);
    expect(t.rounds).toBeLessThanOrEqual(5);
    expect(t.start).not.toEqual(t.goal);
  });

  it('renders the user turn and the move feedback as the templates do; the final feedback shows the map', () => {
    const pack = packOf();
    const task: PaperGridTask = { start: [0, 0], goal: [0, 2], rounds: 2 };
    const ep = new PaperGridEpisode('gridnav/t/0', pack, task, 1, 'chat');
    expect(ep.rules()).toBe(paperGridSystem(1));
    expect(ep.rules().endsWith('(your thinking process goes here)\n<answer>row,col</answer>')).toBe(true);
    expect(ep.observation()).toBe(
      `Round 1/2\n\nCurrent position: (0,0)\nTarget position: (0,2)\n\nObserved cost grid:\n${pack.render()}\n\n` +
        'Choose one legal destination for this round.\nRemember to follow every requirement in the `## Movement rules` section.',
    );
    const r = ep.step('0, 2') as { observation: string };
    const loss = (pack.costs[0][1] + pack.costs[0][2]) / 200;
    expect(r.observation).toContain(
      `\n\nYou moved to (0,2) through 2 entered cells: (0,1) -> (0,2). Cumulative normalized loss: ${loss.toFixed(4)}.\n\n`,
    );
    expect(pack.render().split('\n')[1].trim().startsWith('0')).toBe(true); // row 0 now revealed
    const end = ep.step('1,2');
    expect(end).toMatchObject({ done: true, outcome: 'failure', reward: 0 });
    expect(end.done && end.feedback).toBe(
      `Failed: after 2 rounds, position (1, 2) did not equal target (0, 2). Reward: 0.\n\nFinal observed cost grid:\n${pack.render()}`,
    );
    expect(end.done && end.trajectorySuffix).toMatch(
      /^Final environment state:\nPosition: \(1, 2\)\nTarget: \(0, 2\)\n/,
    );
  });

  it('an illegal or unparsable move ends the task with the reference message', () => {
    const ep = () => new PaperGridEpisode('t', packOf(), { start: [2, 2], goal: [2, 5], rounds: 3 }, 1, 'chat');
    const msg = (a: string) => {
      const r = ep().step(a);
      return r.done ? [r.outcome, r.reward, r.feedback.split('\n')[0]] : null;
    };
    expect(msg('3,3')).toEqual([
      'illegal_action',
      0,
      'Invalid action: The destination must be in the same row or the same column. Game over.',
    ]);
    expect(msg('2,2')).toEqual([
      'illegal_action',
      0,
      'Invalid action: The destination must differ from the current position. Game over.',
    ]);
    expect(msg('2,099')).toEqual([
      'illegal_action',
      0,
      'Invalid action: Destination (2,99) is outside the grid. Game over.',
    ]);
    expect(msg('(2,5)')).toEqual([
      'format_error',
      0,
      'Invalid action: expected exactly one <answer>row,col</answer> destination. Game over.',
    ]);
  });

  it('success scores 1 - mean cost / 100, no turn shaping; revealed cells persist along the pack, task 0 starts afresh', () => {
    const pack = gridNav.openPack({ seed: stableSeed('gn-p'), preset: 'paper', rendering: 'chat' });
    const a = pack.startTask(0);
    const v = a.view() as GridNavView;
    const next: [number, number] = [v.position[0], (v.position[1] + 1) % v.size];
    a.step(`${next[0]},${next[1]}`);
    const b = pack.startTask(1).view() as GridNavView;
    expect(b.costs.flat().some((c) => c !== null)).toBe(true); // the map remembers
    const again = pack.startTask(0).view() as GridNavView;
    expect(again.costs.flat().every((c) => c === null)).toBe(true); // a fresh pack state (the Ralph loop's task 0)
    const p2 = packOf('gn-s');
    const ep = new PaperGridEpisode('t', p2, { start: [0, 0], goal: [0, 1], rounds: 1 }, 1, 'chat');
    const r = ep.step('0,1');
    expect(r).toMatchObject({ outcome: 'success', reward: 1 - p2.costs[0][1] / 100 });
  });
});
