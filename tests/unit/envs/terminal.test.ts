import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { codnessTable } from '../../support/codness.ts';
import { terminal } from '../../../main/envs/domains/terminal/index.ts';
import { terminalSite } from '../../../main/envs/domains/terminal/instance.ts';
import type { TerminalView } from '../../../main/envs/domains/terminal/view.ts';
import type { Rendering, ScriptedAgent, StepResult, TaskEpisode } from '../../../main/envs/sdk.ts';
import { stableSeed } from '../../../main/envs/seed.ts';

const open = (
  seed = 'terminal-test',
  preset = 'train',
  rendering: Rendering = 'chat',
  options?: Record<string, unknown>,
) => terminal.openPack({ seed, preset, rendering, options });

function play(ep: TaskEpisode, agent: ScriptedAgent, hints: string): StepResult & { done: true } {
  for (let t = 0; t <= ep.maxTurns; t++) {
    const r = ep.step(agent.act(hints, ep.view()));
    if (r.done) return r;
  }
  throw new Error('episode did not end');
}

describe('terminal: episodes', () => {
  it('the first observation shows the task and the prompt; the rules say how to answer', () => {
    const ep = open('obs').startTask(0);
    const v = ep.view() as TerminalView;
    expect(ep.maxTurns).toBe(12);
    expect(ep.observation()).toContain(v.instructions[0]);
    expect(ep.observation()).toContain(v.prompt);
    expect(ep.rules()).toMatch(/<answer>ls<\/answer>/);
    expect(ep.rules()).toMatch(/remote_user@remote_host/);
  });

  it('format errors: empty, several lines, unbalanced quotes; formatError()', () => {
    for (const bad of ['', '   ', 'ls\nrm -rf /', "echo 'oops", 'x'.repeat(1200), 'ls\u0007']) {
      const seed = 'fmt';
      const site = terminalSite(seed, ['linux']);
      const ep = open(seed, 'train', 'chat', { flavour: site.flavour }).startTask(0);
      const r = ep.step(bad);
      expect(r.done && r.outcome, JSON.stringify(bad.slice(0, 20))).toBe('format_error');
      expect(r.done && r.reward).toBe(0);
      expect(ep.turnsUsed()).toBe(0);
    }
    const fe = open().startTask(1).formatError('no answer block');
    expect([fe.outcome, fe.reward]).toEqual(['format_error', 0]);
  });

  it('an unknown command or a refused operator is just output, not the end', () => {
    const ep = open('soft', 'train', 'chat', { flavour: 'linux' }).startTask(0);
    const r = ep.step('frobnicate --all');
    expect(r.done).toBe(false);
    expect(ep.observation()).toMatch(/bash: frobnicate: command not found/);
    expect(ep.step('ls | wc -l').done).toBe(false);
    expect(ep.turnsUsed()).toBe(2);
  });

  it('exit and running out of turns grade the final state: reward = share of goals met', () => {
    const exitNow = open('grade', 'hard', 'chat', { compositeFraction: 1 }).startTask(0).step('exit');
    expect(exitNow.done && exitNow.reward).toBe(0);
    expect(exitNow.done && exitNow.outcome).toBe('failure');
    expect(exitNow.done && exitNow.feedback).toMatch(/Goal check: 0 of \d+ goals met/);
    const pack = open('grade', 'hard', 'compact', { compositeFraction: 1, maxTurns: 7 });
    let graded = 0;
    for (let i = 0; i < 12; i++) {
      const ep = pack.startTask(i);
      const end = play(ep, terminal.scriptedAgent({ kind: 'oracle', seed: 's', noteNoise: 0 }), 'Hints: null');
      const goals = (ep.view() as TerminalView).goals ?? [];
      expect(goals.length).toBeGreaterThan(1);
      const met = goals.filter((g) => g.met).length;
      expect(end.reward).toBeCloseTo(met / goals.length, 12);
      expect(end.success).toBe(end.reward > 0.5);
      if (end.reward > 0 && end.reward < 1) graded++;
    }
    expect(graded).toBeGreaterThan(0);
  });

  it('meeting every goal ends the task at once with reward 1 (no turn shaping)', () => {
    let early = 0;
    for (let i = 0; i < 10; i++) {
      const ep = open('early', 'easy').startTask(i);
      const end = play(ep, terminal.scriptedAgent({ kind: 'oracle', seed: 'e', noteNoise: 0 }), 'Hints: null');
      if (end.outcome === 'success' && end.reward === 1) {
        expect(end.feedback).toMatch(/^Success: every goal met after \d+ commands/);
        // The task ended by itself on the command that met the last goal, not by `exit`.
        expect((ep.view() as TerminalView).lastCommand).not.toBe('exit');
        if (ep.turnsUsed() < ep.maxTurns) early++;
      }
    }
    expect(early).toBeGreaterThanOrEqual(3);
  });

  it('recursively deleting the home directory is an illegal action', () => {
    const r = open('illegal', 'train', 'chat', { flavour: 'macos' }).startTask(0).step('rm -rf ~');
    expect(r.done && [r.outcome, r.reward]).toEqual(['illegal_action', 0]);
  });
});

describe('terminal: configuration', () => {
  it('presets and flavours', () => {
    expect(terminal.presets).toEqual(['train', 'easy', 'hard']);
    for (const flavour of ['linux', 'macos', 'windows'] as const) {
      const v = open('fl', 'easy', 'chat', { flavour }).startTask(0).view() as TerminalView;
      expect(v.prompt).toMatch(
        flavour === 'windows' ? /^C:\\Users\\user>$/ : flavour === 'macos' ? / ~ %$/ : /^user@[\w-]+:~\$$/,
      );
    }
    const flavours = new Set(
      Array.from({ length: 40 }, (_, k) => terminalSite(`s${k}`, ['linux', 'macos', 'windows']).flavour),
    );
    expect(flavours.size).toBe(3);
    const composite = Array.from(
      { length: 60 },
      (_, i) => (open('mix', 'hard').startTask(i).view() as TerminalView).steps.length,
    );
    const share = composite.filter((n) => n > 1).length / composite.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
    expect(Math.max(...composite)).toBeGreaterThanOrEqual(7);
  });

  it('bad presets and options are one clear CodError', () => {
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof CodError ? `${e.code}:${e.message}` : 'other';
      }
      return 'none';
    };
    expect(msg(() => open('s', 'nightmare'))).toMatch(/^bad_config:.*unknown preset 'nightmare'/);
    expect(msg(() => open('s', 'train', 'chat', { flavour: 'bsd' }))).toMatch(/^bad_config:.*flavour/);
    expect(msg(() => open('s', 'train', 'chat', { maxTurns: 0 }))).toMatch(/^bad_config:.*maxTurns/);
    expect(msg(() => open('s', 'train', 'chat', { minSteps: 6, maxSteps: 3 }))).toMatch(/^bad_config:.*exceeds/);
    expect(msg(() => open('s', 'train', 'chat', { shell: 'fish' }))).toMatch(/^bad_config:.*unknown option 'shell'/);
    expect(msg(() => open('s', 'train', 'chat').startTask(-1))).toMatch(/^bad_input:/);
  });
});

describe('terminal: renderings and public views', () => {
  it('chat and compact carry the same task, output, prompt and goal check', () => {
    const agent = () => terminal.scriptedAgent({ kind: 'oracle', seed: 'r', noteNoise: 0 });
    const chat = open('render', 'train', 'chat').startTask(3);
    const compact = open('render', 'train', 'compact').startTask(3);
    const a = agent();
    const b = agent();
    for (let t = 0; t <= 12; t++) {
      const va = chat.view() as TerminalView;
      expect(compact.view()).toEqual(va);
      for (const ep of [chat, compact]) {
        const text = ep.observation();
        if (va.lastCommand === null) for (const line of va.instructions) expect(text).toContain(line);
        else {
          expect(text).toContain(va.lastCommand);
          for (const line of (va.output ?? '').split('\n').slice(0, 5)) expect(text).toContain(line);
        }
        if (!va.done) expect(text).toContain(va.prompt);
      }
      expect(compact.observation().length).toBeLessThanOrEqual(chat.observation().length);
      const ra = chat.step(a.act('Hints: null', va));
      const rb = compact.step(b.act('Hints: null', compact.view()));
      expect(rb.done).toBe(ra.done);
      if (ra.done && rb.done) {
        expect(rb.reward).toBe(ra.reward);
        for (const g of (chat.view() as TerminalView).goals ?? []) {
          expect(ra.feedback).toContain(g.description);
          expect(rb.feedback).toContain(g.description);
        }
        break;
      }
    }
    expect(compact.rules().length).toBeLessThan(chat.rules().length * 0.7);
  });

  it('views and texts do not reveal where things are, which tools exist or the SSH port', () => {
    const seed = 'hidden';
    const site = terminalSite(seed, ['linux', 'macos', 'windows']);
    const ep = open(seed).startTask(0);
    const text = JSON.stringify(ep.view()) + ep.rules() + ep.observation();
    for (const dir of Object.values(site.categoryDirs))
      expect(text).not.toContain(dir.slice(1).join(site.flavour === 'windows' ? '\\' : '/'));
    for (const dir of Object.values(site.places))
      expect(text).not.toContain(dir.slice(1).join(site.flavour === 'windows' ? '\\' : '/'));
    expect(text).not.toMatch(new RegExp(`\\b${site.sshPort}\\b`));
    expect(Object.keys(ep.view())).not.toContain('site');
  });
});

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** The Ralph loop: the SAME task repeated, a fresh episode each attempt, notes carried (or not). */
function ralph(preset: string, packs: number, attempts: number, memory: boolean): number[] {
  const sums = new Array<number>(attempts).fill(0);
  for (let k = 0; k < packs; k++) {
    const seed = stableSeed('terminal-ralph', k);
    const pack = open(seed, preset, 'compact');
    const agent = terminal.scriptedAgent({ kind: 'oracle', seed: `ralph-${k}`, noteNoise: 0 });
    let hints = 'Hints: null';
    for (let j = 0; j < attempts; j++) {
      const z = memory ? hints : 'Hints: null';
      const ep = pack.startTask(0);
      const end = play(ep, agent, z);
      sums[j] += end.reward / packs;
      hints = 'Hints: ' + agent.writeNotes(z, ep.view(), end);
    }
  }
  return sums;
}

describe('terminal: the Ralph loop and noisy notes (the CoD-ness check: conformance.test.ts)', () => {
  it.each(['train', 'easy', 'hard'])('%s Ralph loop: reward rises with the attempt on the same task', (preset) => {
    const withNotes = ralph(preset, 80, 4, true);
    const without = ralph(preset, 80, 4, false);
    console.log(
      `terminal/${preset} Ralph (80 packs) oracle ${withNotes.map((x) => x.toFixed(3)).join(' ')} | empty ${without.map((x) => x.toFixed(3)).join(' ')}`,
    );
    expect(withNotes[3]).toBeGreaterThan(withNotes[0] + 0.05);
    for (let j = 1; j < 4; j++) expect(withNotes[j]).toBeGreaterThanOrEqual(withNotes[j - 1] - 0.01);
    expect(Math.max(...without) - Math.min(...without)).toBe(0);
  });

  it('lightly noisy notes still beat no notes', async () => {
    const t = await codnessTable(terminal, {
      preset: 'train',
      packs: 80,
      seedPrefix: 'terminal-noise',
      noteNoise: 0.1,
    });
    expect(mean(t.oracle.slice(1))).toBeGreaterThan(mean(t.empty.slice(1)) + 0.02);
  });
});
