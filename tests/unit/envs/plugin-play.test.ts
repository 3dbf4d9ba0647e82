/** `cod envs play`, driven as a user would drive it: the real CLI, scripted stdin. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listDomains } from '../../../main/envs/registry.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SWITCHBOARD = 'tests/fixtures/plugins/switchboard';

function cod(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('node_modules/.bin/node', ['bin/cod.mjs', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('cod envs play', () => {
  it('plays a plugin pack: observations, feedback, notes carried into the next prompt, a per-position summary', async () => {
    // Seed 7's wiring is switch 1→lamp 3, 2→4, 3→2, 4→1. Task 1 explores and fails; the notes record what it
    // revealed; tasks 2 and 3 use them (the lone '.' keeps the notes) and succeed in the minimum of 2 turns.
    const stdin = [
      'flip 1',
      'flip 2',
      'flip 3',
      '- switch 1 -> lamp 3',
      '- switch 2 -> lamp 4',
      '- switch 3 -> lamp 2',
      '.',
      'flip 3',
      'flip 4',
      '.',
      'flip 1',
      'flip 2',
    ].join('\n');
    const r = await cod(
      ['envs', 'play', 'switchboard', '--plugins', SWITCHBOARD, '--pack-size', '3', '--seed', '7'],
      stdin,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('=== switchboard: preset train, seed 7, 3 tasks, chat rendering ===');
    expect(out).toContain('You operate a switchboard with 4 switches');
    expect(out).toContain('## Hints from earlier tasks'); // the method's own solve template
    expect(out).toContain('Target lamps on: 1, 3.');
    expect(out).toContain('You flipped switch 1; lamp 3 turned on.');
    // Notes: null on the first task, then the written notes on tasks 2 and 3 (kept by the lone '.').
    const notes = 'Hints: - switch 1 -> lamp 3\n- switch 2 -> lamp 4\n- switch 3 -> lamp 2';
    const prompts = out.split('[system prompt, as the model sees it]').slice(1);
    expect(prompts).toHaveLength(3);
    expect(prompts[0]).toContain('Hints: null');
    expect(prompts[1]).toContain(notes);
    expect(prompts[2]).toContain(notes);
    expect(out).toContain('--- Task 1 ended: out_of_turns, reward 0.000 ---\nFeedback: Out of turns: lamps on 2, 3, 4');
    expect(out).toContain('--- Task 2 ended: success, reward 0.933 ---\nFeedback: Success: the lamps match the target');
    const table = out.slice(out.indexOf('=== Reward by pack position ==='));
    expect(
      table
        .split('\n')
        .filter((l) => /^\d\s/.test(l))
        .map((l) => l.split(/\s+/).slice(0, 4)),
    ).toEqual([
      ['0', '0.000', 'out_of_turns', '3'],
      ['1', '0.933', 'success', '2'],
      ['2', '0.933', 'success', '2'],
    ]);
    expect(table).toContain('mean reward 0.622 over 3 of 3 tasks');
  });

  it('gives the same pack for the same seed (the transcript is reproducible)', async () => {
    const stdin = 'flip 2\nflip 3\nflip 4\n';
    const args = ['envs', 'play', 'switchboard', '--plugins', SWITCHBOARD, '--pack-size', '1', '--seed', '11'];
    const [a, b] = [await cod(args, stdin), await cod(args, stdin)];
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const c = await cod([...args.slice(0, -1), '12'], stdin);
    expect(c.stdout).not.toBe(a.stdout);
  });

  it('compact rendering, and a format error ends the task with reward 0', async () => {
    const r = await cod(
      ['envs', 'play', 'switchboard', '--plugins', SWITCHBOARD, '--pack-size', '1', '--rendering', 'compact'],
      'press the red button\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('switchboard n=4 max=3. act: flip X (1-4)');
    expect(r.stdout).toContain('Notes (may be wrong; check against evidence):');
    expect(r.stdout).toContain('--- Task 1 ended: format_error, reward 0.000 ---');
    expect(r.stdout).toContain('Feedback: Format error: expected "flip X", got "press the red button".');
  });

  it('stops with status 1 when the input ends before the pack does', async () => {
    const r = await cod(['envs', 'play', 'switchboard', '--plugins', SWITCHBOARD, '--pack-size', '4'], 'flip 1\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('input ended after 0 of 4 tasks');
  });

  it('rejects an unknown domain and bad flags with one line and status 2', async () => {
    const r = await cod(['envs', 'play', 'no-such-domain', '--plugins', SWITCHBOARD], '');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^cod: error: unknown domain 'no-such-domain' \(known: .*switchboard\)$/);
    const bad = await cod(['envs', 'play', 'switchboard', '--plugins', SWITCHBOARD, '--rendering', 'fancy'], '');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("cod: error: --rendering must be chat or compact, got 'fancy'");
  });

  const builtin = listDomains().find((d) => d.id === 'frozenlake');
  it.skipIf(!builtin)('plays a built-in domain in process (FrozenLake)', async () => {
    const moves = Array.from({ length: 8 }, (_, i) => `Direction ${(i % 4) + 1}`).join('\n');
    const r = await cod(['envs', 'play', 'frozenlake', '--pack-size', '1', '--rendering', 'compact'], moves);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('FrozenLake.');
    expect(r.stdout).toMatch(/--- Task 1 ended: \w+, reward \d\.\d{3} ---/);
    expect(r.stdout).toMatch(/mean reward \d\.\d{3} over 1 of 1 tasks/);
  });
});
