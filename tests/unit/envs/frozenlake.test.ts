import { describe, expect, it } from 'vitest';
import { stableSeed } from '../../../main/envs/seed.ts';
import { shapedReward, type OpenPackArgs, type StepResult } from '../../../main/envs/sdk.ts';
import { frozenLake } from '../../../main/envs/domains/frozenlake/index.ts';
import { DELTA, DIRECTIONS } from '../../../main/envs/domains/frozenlake/directions.ts';
import { moveFeedback } from '../../../main/envs/domains/frozenlake/render.ts';
import { FROZENLAKE_PRESETS, frozenLakeParams } from '../../../main/envs/domains/frozenlake/params.ts';
import { generateTask, routeMoves, shortestPath } from '../../../main/envs/domains/frozenlake/task.ts';
import { parseClaims } from '../../../main/envs/domains/frozenlake/knowledge.ts';
import { noteFidelity, observedCodes } from '../../../main/envs/domains/frozenlake/note-fidelity.ts';
import type { FrozenLakeView } from '../../../main/envs/domains/frozenlake/view.ts';
import { codError } from '../../support/errors.ts';
import { codnessTable } from '../../support/codness.ts';
import { ALL_MAPPINGS } from '../../../main/envs/domains/frozenlake/directions.ts';
import {
  PAPER_FEEDBACK,
  PAPER_FORMAT_ERROR,
  PAPER_RULES,
  PaperFrozenLakeEpisode,
} from '../../../main/envs/domains/frozenlake/paper-episode.ts';
import { generatePaperTask, referencePathSearch } from '../../../main/envs/domains/frozenlake/paper-task.ts';
import type { FrozenLakeTask } from '../../../main/envs/domains/frozenlake/task.ts';

const at = (row: number, col: number): readonly [number, number] => [row, col];
const pack = (over: Partial<OpenPackArgs> = {}): OpenPackArgs => ({
  seed: stableSeed('fl-test'),
  preset: 'train',
  rendering: 'chat',
  ...over,
});

describe('frozenlake config', () => {
  it('rejects unknown presets, options, bad values, renderings and task indices with one CodError', () => {
    expect(codError(() => frozenLake.openPack(pack({ preset: 'medium' }))).message).toMatch(/unknown preset 'medium'/);
    expect(codError(() => frozenLake.openPack(pack({ options: { size: 4 } }))).message).toMatch(
      /unknown option 'size'/,
    );
    const bad = codError(() => frozenLake.openPack(pack({ options: { mapping: 'per_day' } })));
    expect(bad.code).toBe('bad_config');
    expect(bad.where).toBe('frozenlake.options.mapping');
    expect(codError(() => frozenLake.openPack(pack({ options: { minSize: 6, maxSize: 5 } }))).message).toMatch(
      /minimum 6 exceeds maximum 5/,
    );
    expect(codError(() => frozenLake.openPack(pack({ rendering: 'html' as 'chat' }))).where).toBe(
      'frozenlake.rendering',
    );
    expect(codError(() => frozenLake.openPack(pack({ seed: '' }))).where).toBe('frozenlake.seed');
    expect(codError(() => frozenLake.openPack(pack()).startTask(-1)).code).toBe('bad_input');
    expect(codError(() => frozenLake.scriptedAgent({ kind: 'oracle', seed: 's', noteNoise: 2 })).where).toBe(
      'frozenlake.agent.noteNoise',
    );
  });

  it('draws lakes within each preset and always leaves a path of at most 6 moves', () => {
    for (const preset of ['train', 'easy', 'hard']) {
      const params = frozenLakeParams(preset, undefined);
      for (let i = 0; i < 60; i++) {
        const t = generateTask(params, stableSeed('fl-gen', preset), preset, i);
        expect(t.size).toBeGreaterThanOrEqual(FROZENLAKE_PRESETS[preset].minSize);
        expect(t.size).toBeLessThanOrEqual(FROZENLAKE_PRESETS[preset].maxSize);
        expect(t.start).not.toEqual(t.goal);
        expect(shortestPath(t.tiles, t.start, t.goal)).toBeLessThanOrEqual(6);
        expect(t.tiles.join('').split('G').length - 1).toBe(1);
      }
    }
    expect(
      frozenLake
        .openPack(pack({ preset: 'hard' }))
        .startTask(0)
        .view().size,
    ).toBeGreaterThanOrEqual(6);
  });

  it('keeps one mapping per pack by default, one per task or one global mapping by option', () => {
    const mappings = (mode: string, seed: string) =>
      Array.from({ length: 8 }, (_, i) => {
        const params = frozenLakeParams('train', { mapping: mode });
        return generateTask(params, seed, 'train', i).mapping.join(',');
      });
    expect(new Set(mappings('per_pack', 'a')).size).toBe(1);
    expect(new Set(mappings('per_task', 'a')).size).toBeGreaterThan(1);
    expect(new Set([...mappings('global', 'a'), ...mappings('global', 'b')]).size).toBe(1);
    const perPack = new Set(Array.from({ length: 12 }, (_, k) => mappings('per_pack', `p${k}`)[0]));
    expect(perPack.size).toBeGreaterThan(1);
  });
});

describe('frozenlake episode', () => {
  it('reports every move as the position change that reveals the hidden direction', () => {
    const params = frozenLakeParams('train', undefined);
    const seed = stableSeed('fl-test');
    for (let i = 0; i < 20; i++) {
      const task = generateTask(params, seed, 'train', i);
      for (let code = 1; code <= 4; code++) {
        const ep = frozenLake.openPack(pack({ seed })).startTask(i);
        const r = ep.step(`Direction ${code}`);
        const v = ep.view() as FrozenLakeView;
        const [dr, dc] = DELTA[task.mapping[code - 1]];
        const target = [task.start[0] + dr, task.start[1] + dc];
        const text = r.observation ?? '';
        if (v.last?.result === 'blocked') {
          expect(target[0] < 0 || target[1] < 0 || target[0] >= task.size || target[1] >= task.size).toBe(true);
          expect(text).toContain('did not change (maybe tried to move beyond the edge)');
        } else {
          expect(v.position).toEqual(target);
          expect(text).toContain(`changed from (${task.start[0]},${task.start[1]}) to (${target[0]},${target[1]})`);
          const tile = task.tiles[target[0]][target[1]];
          if (tile === 'O') expect(r).toMatchObject({ done: true, outcome: 'failure', reward: 0 });
          if (tile === 'G')
            expect(r).toMatchObject({ done: true, outcome: 'success', reward: shapedReward(true, 1, 8) });
          if (tile === '_') expect(r.done).toBe(false);
        }
      }
    }
  });

  it('ends on format errors and illegal codes with reward 0, and stays ended', () => {
    const start = () => frozenLake.openPack(pack()).startTask(3);
    for (const bad of ['go left', '', 'Direction', 'Direction one', '<answer>Direction 1</answer>', '1']) {
      const r = start().step(bad);
      expect(r).toMatchObject({ done: true, outcome: 'format_error', reward: 0, success: false });
    }
    const ep = start();
    const r = ep.step('Direction 5');
    expect(r).toMatchObject({ done: true, outcome: 'illegal_action', reward: 0 });
    expect(ep.step('Direction 1')).toEqual(r);
    // Case and spacing are free.
    expect(start().step('  direction   3 ')).not.toMatchObject({ outcome: 'format_error' });
    const fe = start().formatError('no <answer> block');
    expect(fe).toMatchObject({ outcome: 'format_error', reward: 0 });
    expect(fe.feedback).toContain('no <answer> block');
  });

  it('runs out of turns after maxTurns moves', () => {
    let checked = 0;
    for (let i = 0; i < 10; i++) {
      for (let code = 1; code <= 4; code++) {
        const ep = frozenLake.openPack(pack({ options: { maxTurns: 1 } })).startTask(i);
        expect(ep.maxTurns).toBe(1);
        const r = ep.step(`Direction ${code}`);
        const result = (ep.view() as FrozenLakeView).last?.result;
        if (result === 'moved' || result === 'blocked') {
          expect(r).toMatchObject({ done: true, outcome: 'out_of_turns', reward: 0 });
          expect(r.done && r.feedback).toMatch(/ran out of steps/);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});

describe('frozenlake renderings and determinism', () => {
  it('chat and compact carry the same information and the same action syntax', () => {
    const seed = stableSeed('fl-render');
    const chat = frozenLake.openPack(pack({ seed })).startTask(2);
    const compact = frozenLake.openPack(pack({ seed, rendering: 'compact' })).startTask(2);
    expect(compact.rules()).toContain('<answer>Direction X</answer>');
    expect(chat.rules()).toContain('<answer>Direction X</answer>');
    expect(compact.rules().length).toBeLessThan(chat.rules().length / 2);
    for (const action of ['Direction 1', 'Direction 2', 'Direction 3', 'Direction 4']) {
      expect(compact.view()).toEqual(chat.view());
      const v = chat.view() as FrozenLakeView;
      const texts = [chat.observation(), compact.observation()];
      for (const t of texts) {
        expect(t).toContain(`(${v.goal[0]},${v.goal[1]})`);
        expect(t).toContain(`${v.turn + 1}/${v.maxTurns}`);
        if (v.last) expect(t).toContain(`Direction ${v.last.code}`);
      }
      if (v.last && v.last.result !== 'blocked') {
        const [from, to] = [`(${v.last.from[0]},${v.last.from[1]})`, `(${v.last.to[0]},${v.last.to[1]})`];
        expect(texts[0]).toContain(`changed from ${from} to ${to}`);
        expect(texts[1]).toContain(`${from}->${to}`);
      }
      for (const row of v.grid) {
        expect(texts[1]).toContain(row);
        expect(texts[0]).toContain([...row].join(' '));
      }
      expect(texts[1].length).toBeLessThan(texts[0].length);
      const a = chat.step(action);
      const b = compact.step(action);
      expect(b.done).toBe(a.done);
      if (a.done && b.done) {
        expect([b.reward, b.outcome]).toEqual([a.reward, a.outcome]);
        break;
      }
    }
  });

  it('compact spells out the route and the direction of the last move, and nothing about the mapping', () => {
    // Hand-made lakes: Right from (0,0) leads into a dead end between holes; an open 3x3 has two ways to start.
    const tiles = ['__O', '_O_', '__G'];
    expect(routeMoves(tiles, [0, 0], [2, 2])).toEqual(['Down']);
    expect(routeMoves(['___', '___', '__G'], [0, 0], [2, 2])).toEqual(['Down', 'Right']);
    expect(routeMoves(['_O', 'OG'], [0, 0], [1, 1])).toEqual([]);
    expect(routeMoves(tiles, [2, 2], [2, 2])).toEqual([]);
    const seed = stableSeed('fl-route');
    const task = frozenLake.openPack(pack({ seed, rendering: 'compact' })).startTask(0);
    for (const action of ['Direction 1', 'Direction 2', 'Direction 3', 'Direction 4']) {
      const v = task.view() as FrozenLakeView;
      const tilesNow = v.grid.map((row) => row.replace('P', '_'));
      const route = routeMoves(tilesNow, v.position, v.goal);
      expect(route.length).toBeGreaterThan(0); // generated lakes always have a path
      expect(task.observation()).toContain(`route: ${route.join(' ')}`);
      if (v.last && v.last.result !== 'blocked') {
        const moved = Object.entries(DELTA).find(
          ([, d]) => v.last!.from[0] + d[0] === v.last!.to[0] && v.last!.from[1] + d[1] === v.last!.to[1],
        )![0];
        expect(task.observation()).toContain(`->(${v.last.to[0]},${v.last.to[1]}) ${moved}`);
      }
      if (task.step(action).done) break;
    }
  });
});

describe('frozenlake scripted agents', () => {
  it('the oracle writes the mapping it observed as Markdown notes and reads them back', () => {
    const seed = stableSeed('fl-notes');
    const p = frozenLake.openPack(pack({ seed }));
    const truth = generateTask(frozenLakeParams('train', undefined), seed, 'train', 0).mapping;
    const oracle = frozenLake.scriptedAgent({ kind: 'oracle', seed: 'n', noteNoise: 0 });
    let hints = 'Hints: null';
    for (let j = 0; j < 4; j++) {
      const ep = p.startTask(j);
      let r: StepResult = { done: false, observation: '' };
      while (!r.done) r = ep.step(oracle.act(hints, ep.view()));
      const notes = oracle.writeNotes(hints, ep.view(), r);
      expect(notes).toMatch(/^### /);
      for (const line of notes.split('\n').slice(1))
        expect(line).toMatch(/^- (?:(?:Down|Right|Up|Left) [1-4]|Direction [1-4] = \w+(?: or \w+)*)$/);
      for (const c of parseClaims(notes)) expect(c.dirs).toContain(truth[c.code - 1]);
      hints = 'Hints: ' + notes;
    }
    // After a few tasks the notes pin down the whole mapping.
    expect(parseClaims(hints).filter((c) => c.dirs.length === 1)).toHaveLength(4);
    expect(parseClaims('Hints: - code 1 = Down\n- Direction 2 is not Left or Up')).toEqual([
      { code: 1, dirs: ['Down'] },
      { code: 2, dirs: ['Down', 'Right'] },
    ]);
    expect(parseClaims('- Down 3\n- Left: Direction 2\nUp = 4\n- Down 3 and more')).toEqual([
      { code: 3, dirs: ['Down'] },
      { code: 2, dirs: ['Left'] },
      { code: 4, dirs: ['Up'] },
    ]);
  });

  it("the oracle's thought names the direction its code moves once known, and says explore before", () => {
    const seed = stableSeed('fl-thought');
    const truth = generateTask(frozenLakeParams('train', undefined), seed, 'train', 0).mapping;
    const full = truth.map((d, i) => `- Direction ${i + 1} = ${d}`).join('\n');
    const oracle = frozenLake.scriptedAgent({ kind: 'oracle', seed: 't', noteNoise: 0 });
    const ep = frozenLake.openPack(pack({ seed })).startTask(0);
    const code = Number(/\d/.exec(oracle.act(`Hints: ${full}`, ep.view()))![0]);
    expect(oracle.thought!()).toBe(`go ${truth[code - 1]} ${code}:`);
    // With no notes the first move cannot be known (an edge move can still be safe, hence "explore").
    const fresh = frozenLake.scriptedAgent({ kind: 'oracle', seed: 't', noteNoise: 0 });
    fresh.act('Hints: null', frozenLake.openPack(pack({ seed })).startTask(0).view());
    expect(fresh.thought!()).toBe('explore:');
  });

  it('compact feedback names the direction, then the code again (the order notes are written in)', () => {
    expect(moveFeedback('compact', { code: 3, from: at(0, 1), to: at(1, 1), result: 'moved' })).toBe(
      'Direction 3: (0,1)->(1,1) Down 3',
    );
    expect(moveFeedback('compact', { code: 2, from: at(2, 2), to: at(2, 1), result: 'hole' })).toBe(
      'Direction 2: (2,2)->(2,1) Left 2 hole',
    );
    expect(moveFeedback('compact', { code: 1, from: at(0, 0), to: at(0, 0), result: 'blocked' })).toBe(
      'Direction 1: (0,0) unchanged (edge)',
    );
  });

  it('note fidelity: codes pinned right, wrong, without evidence, and shown codes left out', () => {
    const trajectory = [
      moveFeedback('compact', { code: 3, from: at(0, 1), to: at(1, 1), result: 'moved' }),
      moveFeedback('compact', { code: 2, from: at(2, 2), to: at(2, 1), result: 'hole' }),
      moveFeedback('compact', { code: 1, from: at(0, 0), to: at(0, 0), result: 'blocked' }), // shows no direction
      moveFeedback('compact', { code: 4, from: at(1, 1), to: at(1, 2), result: 'moved' }),
    ].join('\n');
    expect([...observedCodes(trajectory)]).toEqual([
      [3, 'Down'],
      [2, 'Left'],
      [4, 'Right'],
    ]);
    const notes = 'Hints: ### FrozenLake action codes\n- Down 3\n- Up 2\n- Left 1\n- Direction 4 = Right or Up';
    // 3 right, 2 wrong, 1 pinned without evidence; 4 only narrowed to two directions, so it counts as missed.
    expect(noteFidelity(trajectory, notes)).toEqual({ right: 1, wrong: 1, unobserved: 1, missed: 1 });
    expect(noteFidelity(trajectory, 'Hints: no hint available.')).toEqual({
      right: 0,
      wrong: 0,
      unobserved: 0,
      missed: 3,
    });
  });

  it('noteNoise drops or corrupts facts', () => {
    let corrupted = 0;
    for (let k = 0; k < 6; k++) {
      const seed = stableSeed('fl-noise', k);
      const truth = generateTask(frozenLakeParams('train', undefined), seed, 'train', 0).mapping;
      const perfect = 'Hints: ' + truth.map((d, i) => `- Direction ${i + 1} = ${d}`).join('\n');
      const notesWith = (noteNoise: number) => {
        const oracle = frozenLake.scriptedAgent({ kind: 'oracle', seed: `z${k}`, noteNoise });
        const ep = frozenLake.openPack(pack({ seed })).startTask(0);
        let r: StepResult = { done: false, observation: '' };
        while (!r.done) r = ep.step(oracle.act(perfect, ep.view()));
        return parseClaims(oracle.writeNotes(perfect, ep.view(), r));
      };
      // Perfect notes, known codes listed in the fixed direction order Down, Right, Up, Left.
      const byDirection = DIRECTIONS.map((d) => ({ code: truth.indexOf(d) + 1, dirs: [d] }));
      expect(notesWith(0)).toEqual(byDirection);
      const noisy = notesWith(1);
      for (const c of noisy) expect(c.dirs).not.toContain(truth[c.code - 1]);
      corrupted += noisy.length;
    }
    expect(corrupted).toBeGreaterThan(0);
  });
});

/**
 * The 'paper' presets against the reference (agentscope-ai/Trinity-RFT, trinity/common/workflows/connect_the_dots/
 * frozen_lake/workflow_obscure.py @ 139d1c43 and workflow.py @ 1d7fae4a; envs/frozen_lake/utils.py as in
 * yanxi-chen/Trinity-RFT @ b2282ae9; prompts/*.jinja2 as in shiweijiezero/Trinity-RFT @ 622ba7ee). Each expected
 * string is transcribed from that code.
 */
describe('frozenlake paper presets (the reference)', () => {
  // 3x3, start (1,1), goal (0,0), a hole at (1,0); mapping 1=Down 2=Right 3=Up 4=Left (ALL_MAPPINGS[0]).
  const task: FrozenLakeTask = {
    size: 3,
    tiles: ['G__', 'O__', '___'],
    start: [1, 1],
    goal: [0, 0],
    mapping: ALL_MAPPINGS[0],
  };
  const episode = () => new PaperFrozenLakeEpisode('frozenlake/t/0', task, 8, 'chat');

  it('renders the system prompt and the user turns as the Jinja templates do', () => {
    const ep = episode();
    expect(ep.rules()).toBe(PAPER_RULES);
    expect(ep.rules().startsWith('You are playing a FrozenLake-Obscure game')).toBe(true);
    expect(ep.rules().endsWith('potentially helpful for solving other similar tasks later on.')).toBe(true);
    expect(ep.observation()).toBe(
      'Step 1/8\n\nCurrent map:\n G \t _ \t _ \t\n O \t P \t _ \t\n _ \t _ \t _ \t\n' +
        'You have not reached the goal (row=0, col=0) yet. Please decide your next action.\n',
    );
    const r = ep.step('Direction 2');
    expect(r).toEqual({
      done: false,
      observation:
        'Step 2/8\n\nYou executed action Direction 2. Your position changed from (row=1, col=1) to (row=1, col=2).\n\n' +
        'Current map:\n G \t _ \t _ \t\n O \t _ \t P \t\n _ \t _ \t _ \t\n' +
        'You have not reached the goal (row=0, col=0) yet. Please decide your next action.\n',
    });
    const blocked = ep.step('Direction 2') as { observation: string };
    expect(blocked.observation).toContain(
      'You executed action Direction 2. Your position did not change (stayed at row=1, col=2). ' +
        'This may be because you tried to move beyond the edge of the map.\n',
    );
  });

  it('parses the action with a prefix match: `Direction 2 (Down)` is legal', () => {
    for (const a of ['Direction 2 (Down)', 'direction 2', 'Direction   2.', 'Direction 02', 'Direction 2abc']) {
      const ep = episode();
      expect(ep.step(a).done, a).toBe(false);
      expect(ep.view().position, a).toEqual([1, 2]);
    }
    for (const a of ['DIRECTION 2', 'Direction2', 'Go Direction 2', 'Right', '2']) {
      const r = episode().step(a);
      expect(r, a).toMatchObject({ done: true, outcome: 'format_error', reward: 0, feedback: PAPER_FORMAT_ERROR });
    }
    expect(PAPER_FORMAT_ERROR).toBe(
      'Invalid format: could not parse action. Expected format: {your reasoning process here}' +
        '<answer>Direction X</answer>, where X is 1, 2, 3, or 4. Game over.',
    );
  });

  it('a code outside 1-4 is a format error with its own message (reward 0)', () => {
    expect(episode().step('Direction 5')).toMatchObject({
      done: true,
      outcome: 'format_error',
      reward: 0,
      feedback: 'Invalid format: Direction 5 is not a valid action. Expected: Direction 1, 2, 3, or 4. Game over.',
    });
    expect((episode().step('Direction 0012') as { feedback: string }).feedback).toMatch(
      /^Invalid format: Direction 12 is not/,
    );
    expect(episode().formatError('no <answer> block')).toMatchObject({ feedback: PAPER_FORMAT_ERROR, reward: 0 });
  });

  it("ends on a hole without naming the hole's cell, on the goal with 1 - 0.1 · turns / max", () => {
    const hole = episode().step('Direction 4'); // Left from (1,1) into the hole at (1,0)
    expect(hole).toMatchObject({ done: true, outcome: 'failure', reward: 0, feedback: PAPER_FEEDBACK.hole });
    expect(PAPER_FEEDBACK.hole).toBe('Failed: Fell into a hole (O). Avoid holes by planning a safe path.');
    expect(hole.done && hole.feedback).not.toMatch(/\d/);
    const ep = episode();
    ep.step('Direction 3'); // Up to (0,1)
    const goal = ep.step('Direction 4'); // Left to (0,0)
    expect(goal).toMatchObject({ done: true, outcome: 'success', feedback: 'Success! Reached the goal (G).' });
    expect(goal.done && goal.reward).toBeCloseTo(1 - (0.1 * 2) / 8, 12);
  });

  it('runs out of steps after agent_max_steps with the reference message', () => {
    const ep = episode();
    let r: StepResult = { done: false, observation: '' };
    // Right, then blocked at the edge seven times.
    for (let i = 0; i < 8 && !r.done; i++) r = ep.step('Direction 2');
    expect(r).toMatchObject({
      done: true,
      outcome: 'out_of_turns',
      reward: 0,
      feedback: 'Failed: Ran out of steps (8/8) without reaching the goal. Try to find a shorter path.',
    });
  });

  it("the map search is the reference's depth-first is_valid, quirks included", () => {
    // Accepts a goal max_steps + 1 moves away: the goal is tested as a neighbour of a cell expanded at max_steps.
    expect(referencePathSearch(['S_G', 'OOO', 'OOO'], [0, 0], 1)).toBe(true);
    expect(referencePathSearch(['S_G', 'OOO', 'OOO'], [0, 0], 0)).toBe(false);
    // Rejects a lake whose goal is 4 moves away with max_steps 4: (1,1) is first expanded at depth 4 (via (0,2),
    // (1,2)) and marked, so its depth-2 entry is skipped and (2,1) is never expanded within the bound.
    const board = ['S__', 'O__', 'G_O'];
    expect(
      shortestPath(
        board.map((r) => r.replace('S', '_')),
        [0, 0],
        [2, 0],
      ),
    ).toBe(4);
    expect(referencePathSearch(board, [0, 0], 4)).toBe(false);
    expect(referencePathSearch(board, [0, 0], 5)).toBe(true);
  });

  it('draws every lake of a pack from its own row (size, p), with one mapping per pack', () => {
    for (const preset of ['paper', 'paper-hard'] as const) {
      const params = frozenLakeParams(preset, undefined);
      const sizes = new Set<number>();
      const mappings = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const t = generatePaperTask(params, stableSeed('fl-paper', preset), preset, i);
        sizes.add(t.size);
        mappings.add(t.mapping.join(','));
        expect(t.tiles[t.start[0]][t.start[1]]).toBe('_');
        expect(t.tiles[t.goal[0]][t.goal[1]]).toBe('G');
        const board = t.tiles.map((row, r) =>
          r === t.start[0] ? row.slice(0, t.start[1]) + 'S' + row.slice(t.start[1] + 1) : row,
        );
        expect(referencePathSearch(board, t.start, params.maxPathLength)).toBe(true);
      }
      expect([...sizes].sort()).toEqual(preset === 'paper' ? [4, 5] : [6, 7]);
      expect(mappings.size).toBe(1);
    }
    expect(frozenLakeParams('paper', undefined)).toMatchObject({ maxTurns: 8, maxPathLength: 6, mapping: 'per_pack' });
    expect(frozenLakeParams('paper-hard', undefined)).toMatchObject({ maxTurns: 10, maxPathLength: 8 });
    // Today's presets keep their meaning.
    expect(frozenLakeParams('train', undefined)).toMatchObject({
      variant: 'workbench',
      maxTurns: 8,
      minSize: 4,
      maxSize: 5,
    });
  });

  it('passes the CoD-ness check with the oracle', async () => {
    const t = await codnessTable(frozenLake, { preset: 'paper', packs: 48, rendering: 'chat' });
    const last = t.oracle.length - 1;
    expect(t.oracle[last]).toBeGreaterThan(t.oracle[0] + 0.25);
    expect(t.oracle[last]).toBeGreaterThan(t.empty[last] + 0.2);
  });
});
