import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { control } from '../../../main/envs/domains/control/index.ts';
import { controlDynamics } from '../../../main/envs/domains/control/instance.ts';
import { rollout } from '../../../main/envs/domains/control/rollout.ts';
import type { ControlTask } from '../../../main/envs/domains/control/task.ts';
import type { ControlView } from '../../../main/envs/domains/control/view.ts';
import { codnessTable } from '../../support/codness.ts';
import type { Rendering } from '../../../main/envs/sdk.ts';

const wrap = (e: string) => `<action_expression>${e}</action_expression>`;
const open = (
  seed = 'control-test',
  preset = 'train',
  rendering: Rendering = 'chat',
  options?: Record<string, unknown>,
) => control.openPack({ seed, preset, rendering, options });

import {
  formatReward,
  PAPER_CONTROL,
  PAPER_CONTROL_SYSTEM,
  PaperControlEpisode,
  PaperControlPack,
  paperControlTask,
  pyRepr,
  type PaperControlTask,
} from '../../../main/envs/domains/control/paper.ts';

describe('control: closed-loop rollout and loss', () => {
  it('matches a hand-computed two-step trajectory', () => {
    const task: ControlTask = { index: 0, horizon: 2, x0: 0, v0: 0, xTarget: 1, vTarget: 0, noise: [0, 0] };
    const r = rollout({ a: 0.9, b: 1 }, task, () => ({ ok: true, value: 0.5 }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // v1 = 0.5, x1 = 0.5; v2 = 0.9*0.5 + 0.5 = 0.95, x2 = 1.45.
    expect(r.rows.map((row) => [row.t, row.x, row.v, row.u])).toEqual([
      [0, 0, 0, 0.5],
      [1, 0.5, 0.5, 0.5],
      [2, 1.45, 0.95, null],
    ]);
    const L = 0.45 ** 2 + 2 * 0.95 ** 2 + 0.03 * (0.25 + 0.25);
    expect(r.loss.total).toBeCloseTo(L, 12);
    expect(r.reward).toBeCloseTo(1 / (1 + L), 12);
  });

  it('clips u to [-1, 1] and adds the noise to v', () => {
    const task: ControlTask = { index: 0, horizon: 1, x0: 1, v0: 2, xTarget: 0, vTarget: 0, noise: [0.1] };
    const r = rollout({ a: 0.5, b: -1 }, task, () => ({ ok: true, value: 7 }));
    if (!r.ok) throw new Error('rollout failed');
    expect(r.rows[0].u).toBe(1);
    expect(r.rows[1].v).toBeCloseTo(0.5 * 2 - 1 + 0.1, 12);
    expect(r.rows[1].x).toBeCloseTo(1 + 0.1, 12);
  });
});

describe('control: episodes', () => {
  it('scores a valid expression with reward 1/(1+L) and shows the table in the feedback', () => {
    const ep = open().startTask(0);
    expect(ep.maxTurns).toBe(1);
    const res = ep.step(wrap('clip(0.3*(x_target - x) - 0.5*v, -1, 1)'));
    expect(res.done).toBe(true);
    if (!res.done) return;
    const v = ep.view() as ControlView;
    expect(v.result?.status).toBe('ok');
    expect(res.reward).toBeCloseTo(1 / (1 + (v.result?.loss?.total ?? NaN)), 12);
    expect(res.reward).toBeGreaterThan(0);
    expect(res.feedback).toMatch(/t \| x \| v \| u/);
    expect(v.result?.rows.length).toBe(v.horizon + 1);
    expect(ep.turnsUsed()).toBe(1);
    // A finished episode stays finished.
    const again = ep.step(wrap('0'));
    expect(again.done && again.reward).toBe(res.reward);
  });

  it('parse failures score -0.1 (format_error); evaluation errors score 0', () => {
    for (const bad of [
      '0.5',
      '<action_expression>1 +</action_expression>',
      wrap('foo'),
      wrap(''),
      '</action_expression>x<action_expression>',
      wrap('1') + wrap('2'),
    ]) {
      const res = open().startTask(1).step(bad);
      expect(res.done && res.outcome).toBe('format_error');
      expect(res.done && res.reward).toBeCloseTo(-0.1, 12);
    }
    const ev = open().startTask(1).step(wrap('1 / (t - 3)'));
    expect(ev.done && ev.outcome).toBe('illegal_action');
    expect(ev.done && ev.reward).toBe(0);
    expect(ev.done && ev.feedback).toMatch(/division by zero/);
    const fe = open().startTask(2).formatError('no <answer> block');
    expect(fe.outcome).toBe('format_error');
    expect(fe.reward).toBeCloseTo(-0.1, 12);
  });

  it('text around the expression tags is ignored', () => {
    const a = open()
      .startTask(3)
      .step(`I will push gently: ${wrap('0.2')} done`);
    const b = open().startTask(3).step(wrap('0.2'));
    expect(a.done && b.done && a.reward === b.reward).toBe(true);
  });

  it('the show_previous option shows the last attempt of the pack', () => {
    const pack = open('prev', 'train', 'chat', { showPrevious: true });
    const first = pack.startTask(0);
    expect(first.observation()).not.toMatch(/Previous task/);
    first.step(wrap('0.25'));
    const second = pack.startTask(1);
    expect(second.observation()).toMatch(/Previous task: you submitted `0.25` \(ok\), reward/);
    expect((second.view() as ControlView).previous?.expression).toBe('0.25');
    const plain = open('prev', 'train', 'chat');
    plain.startTask(0).step(wrap('0.25'));
    expect(plain.startTask(1).observation()).not.toMatch(/Previous task/);
  });
});

describe('control: configuration', () => {
  it('ships train / easy / hard; hard is the spec preset', () => {
    expect(control.presets).toEqual(['train', 'easy', 'hard', 'paper']);
    const v = open('p', 'hard').startTask(0).view() as ControlView;
    expect(v.horizon).toBe(12);
    expect(v.vTarget).toBe(0);
    for (let i = 0; i < 30; i++) {
      const w = open('p', 'hard').startTask(i).view() as ControlView;
      expect(Math.abs(w.x0)).toBeLessThanOrEqual(2);
      expect(Math.abs(w.v0)).toBeLessThanOrEqual(1.5);
      expect(Math.abs(w.xTarget)).toBeLessThanOrEqual(8);
    }
  });

  it('bad presets and options are one clear CodError', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof CodError ? `${e.code}:${e.message}` : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => open('s', 'medium'))).toMatch(/^bad_config:.*unknown preset 'medium'/);
    expect(codeOf(() => open('s', 'train', 'chat', { horizon: 0 }))).toMatch(/^bad_config:.*horizon/);
    expect(codeOf(() => open('s', 'train', 'chat', { speed: 1 }))).toMatch(/^bad_config:.*unknown option 'speed'/);
    expect(codeOf(() => open('s', 'train', 'chat', { minTarget: 3, maxTarget: 1 }))).toMatch(/^bad_config:.*exceeds/);
    expect(codeOf(() => open('s', 'train', 'chat', { showPrevious: 'yes' }))).toMatch(/^bad_config:/);
  });

  it('hidden dynamics follow the spec ranges', () => {
    for (let k = 0; k < 200; k++) {
      const { a, b } = controlDynamics(`seed-${k}`);
      expect(a).toBeGreaterThanOrEqual(0.55);
      expect(a).toBeLessThanOrEqual(1.2);
      expect(Math.abs(b)).toBeGreaterThanOrEqual(0.35);
      expect(Math.abs(b)).toBeLessThanOrEqual(1.5);
    }
  });
});

describe('control: renderings and public views', () => {
  it('chat and compact carry the same numbers and the same answer syntax', () => {
    const expr = wrap('clip(0.4*(x_target - x) - 0.6*v, -1, 1)');
    const chat = open('r', 'train', 'chat').startTask(5);
    const compact = open('r', 'train', 'compact').startTask(5);
    expect(chat.view()).toEqual({ ...compact.view() });
    for (const ep of [chat, compact]) expect(ep.rules()).toContain('<answer><action_expression>');
    chat.step(expr);
    compact.step(expr);
    const v = chat.view() as ControlView;
    const numbers = [v.x0, v.v0, v.xTarget, v.vTarget].map((x) => x.toFixed(3));
    for (const row of v.result?.rows ?? [])
      numbers.push(row.x.toFixed(4), row.v.toFixed(4), row.u === null ? '-' : row.u.toFixed(4));
    numbers.push((v.result?.reward ?? NaN).toFixed(3), (v.result?.loss?.total ?? NaN).toFixed(4));
    for (const n of numbers) {
      expect(chat.observation()).toContain(n);
      expect(compact.observation()).toContain(n);
    }
    expect(compact.observation().length).toBeLessThan(chat.observation().length);
    expect(compact.rules().length).toBeLessThan(chat.rules().length * 0.6);
  });

  it('views and texts never reveal a or b', () => {
    const seed = 'secret';
    const { a, b } = controlDynamics(seed);
    const ep = open(seed).startTask(0);
    const text = JSON.stringify(ep.view()) + ep.rules() + ep.observation();
    for (const digits of [a.toFixed(3), b.toFixed(3), a.toFixed(4), b.toFixed(4)]) expect(text).not.toContain(digits);
    expect(Object.keys(ep.view())).not.toContain('a');
    expect(Object.keys(ep.view())).not.toContain('b');
  });
});

describe('control: noisy notes (the CoD-ness check: conformance.test.ts)', () => {
  it('noisy notes hurt but do not break the oracle', async () => {
    const clean = await codnessTable(control, { preset: 'train', packs: 16, seedPrefix: 'control-noise' });
    const noisy = await codnessTable(control, {
      preset: 'train',
      packs: 16,
      seedPrefix: 'control-noise',
      noteNoise: 0.5,
    });
    const mean = (xs: number[]) => xs.slice(1).reduce((s, x) => s + x, 0) / (xs.length - 1);
    expect(mean(noisy.oracle)).toBeLessThan(mean(clean.oracle));
    expect(mean(noisy.oracle)).toBeGreaterThan(mean(noisy.empty));
  });
});

/**
 * The 'paper' preset against the reference (agentscope-ai/Trinity-RFT @ 139d1c43, trinity/common/workflows/
 * connect_the_dots/optimalcontrol/: workflow.py, env.py, prompts/*.jinja2; data from
 * examples/research_cod/get_optimal_control_data.py, difficulty hard). Expected strings are transcribed from that code.
 */
describe('control paper preset (the reference)', () => {
  const task: PaperControlTask = { horizon: 3, x0: 0, v0: 0, xTarget: 1, vTarget: 0, penalty: 0.03 };
  const packWith = (a: number, b: number): PaperControlPack => Object.assign(new PaperControlPack('s'), { a, b });
  const submit = (answer: string, response?: string) =>
    new PaperControlEpisode('control/t/0', packWith(1, 1), task).step(answer, response) as {
      outcome: string;
      reward: number;
      feedback: string;
      trajectory: string;
    };
  const detail = (answer: string, response?: string) =>
    /block \((.*)\)\. The environment/.exec(submit(answer, response).feedback)?.[1];

  it('a submission that does not parse scores -0.1 with the reference message', () => {
    const r = submit('<action_expression>y + 1</action_expression>');
    expect(r).toMatchObject({ outcome: 'format_error', reward: -0.1 });
    expect(r.feedback).toBe(
      'Invalid controller submission: expected exactly one terminal <answer><action_expression>...</action_expression>' +
        '</answer> block (unknown variable: y). The environment was not executed and reward was set to -0.1.',
    );
    expect(
      detail(
        '<action_expression>1</action_expression>',
        'ok ```py``` <answer><action_expression>1</action_expression></answer>',
      ),
    ).toBe('python_or_markdown_code_is_not_allowed');
    expect(
      detail(
        '<action_expression>1</action_expression>',
        '<answer><action_expression>1</action_expression></answer> done',
      ),
    ).toBe('answer_must_end_the_response');
    expect(detail('<controller>1</controller>')).toBe('expected_action_expression');
    expect(detail('<action_expression>x < 1</action_expression>')).toBe('invalid_answer_xml');
    expect(detail('<action_expression kind="pd">1</action_expression>')).toBe('action_expression must be text');
    expect(detail('<action_expression> </action_expression>')).toBe('action_expression must be text');
    expect(detail('<action_expression>True</action_expression>')).toBe('only numeric constants are allowed');
    expect(detail('<action_expression>x // 2</action_expression>')).toBe('unsupported binary operator');
    expect(detail('<action_expression>sin(x)</action_expression>')).toBe('unsupported function call');
    expect(detail('<action_expression>min()</action_expression>')).toBe('invalid argument count for min');
    expect(detail('<action_expression>x[0]</action_expression>')).toBe('unsupported expression syntax: Subscript');
    expect(detail('<action_expression>dx = 1</action_expression>')).toBe(
      'invalid action_expression syntax: invalid syntax',
    );
    expect(detail('<action_expression>1e999</action_expression>')).toBe('numeric constants must be finite');
    expect(
      new PaperControlEpisode('t', packWith(1, 1), task).formatError('no <answer> block', 'just text'),
    ).toMatchObject({
      reward: -0.1,
      feedback: expect.stringContaining('(expected_exactly_one_answer_tag)'),
    });
  });

  it('runs the XML-escaped and XML-safe forms alike; a failing expression scores 0', () => {
    const a = submit('<action_expression>1 if x &lt; 0.5 else 0</action_expression>');
    const b = submit('<action_expression>ifelse(lt(x, 0.5), 1, 0)</action_expression>');
    expect(a.outcome).toBe('success');
    expect(a.reward).toBe(b.reward);
    const fail = submit('<action_expression>1 / (x - x)</action_expression>');
    expect(fail).toMatchObject({ outcome: 'failure', reward: 0 });
    expect(fail.feedback).toBe(
      'Invalid policy: RuntimeError: action failed at t=0: ZeroDivisionError: float division by zero. Controller ' +
        'evaluation stopped when the expression failed; no complete trajectory or loss was returned, and reward was forced to 0.',
    );
    expect(submit('<action_expression>x &gt; 0</action_expression>').feedback).toContain(
      'TypeError: action must return an int or float scalar',
    );
  });

  it('feedback is the table and summary of render_trajectory / render_summary; L and R as compute_loss / compute_reward', () => {
    // a = b = 1, u = 1 every step: v = 1, 2, 3; x = 1, 3, 6. L = 25 + 2·9 + 0.03·3 = 43.09.
    const r = submit('<action_expression>1</action_expression>');
    expect(r.reward).toBeCloseTo(1 / 44.09, 12);
    expect(r.feedback).toBe(
      'The environment executed the submitted policy under the fixed hidden dynamics.\n\n' +
        '  t         x_t         v_t         u_t\n' +
        '  0       0.000       0.000       1.000\n' +
        '  1       1.000       1.000       1.000\n' +
        '  2       3.000       2.000       1.000\n' +
        '  3       6.000       3.000          --\n\n' +
        'Terminal state:\nx_3 = 6.000, v_3 = 3.000.\nTarget:\nx_target = 1.000, v_target = 0.000.\n' +
        'Loss and reward:\nL = 43.090, R = 0.023.',
    );
    expect(
      r.trajectory.endsWith(
        '\n\nSubmitted action expression:\n<answer>\n  <action_expression>\n    1\n  </action_expression>\n</answer>',
      ),
    ).toBe(true);
    expect(
      r.trajectory.startsWith(`System:\n${PAPER_CONTROL_SYSTEM}\n\nTask:\nInitial state: x_0 = 0.000, v_0 = 0.000.\n`),
    ).toBe(true);
    expect(formatReward(1e-5)).toBe('1.000e-05 (nonzero; below three-decimal precision)');
    expect([pyRepr(0), pyRepr(-1.25), pyRepr(3), pyRepr(1.5e-5), pyRepr(2e16)]).toEqual([
      '0.0',
      '-1.25',
      '3.0',
      '1.5e-05',
      '2e+16',
    ]);
  });

  it("shows the latest earlier controller that ran and its result; a task 0 clears it; b's sign is not told", () => {
    const pack = control.openPack({ seed: 'ctl-paper', preset: 'paper', rendering: 'chat' });
    const first = pack.startTask(0);
    expect(first.rules()).toContain('The control coefficient `b_env` may be positive or negative');
    expect(first.observation()).not.toContain('Controller evidence');
    first.step('<action_expression>0.2 * (x_target - x)</action_expression>');
    const second = pack.startTask(1).observation();
    expect(second).toContain('\n\n## Controller evidence from an earlier task\n\n');
    expect(second).toContain('- Completed that earlier rollout: yes\n');
    expect(second).toContain('    0.2 * (x_target - x)\n');
    // An expression that fails to run is not carried.
    pack.startTask(1).step('<action_expression>1/0</action_expression>');
    expect(pack.startTask(2).observation()).toContain('    0.2 * (x_target - x)\n');
    expect(pack.startTask(0).observation()).not.toContain('Controller evidence');
    for (let k = 0; k < 200; k++) {
      const p = new PaperControlPack(`b-${k}`);
      expect(Math.abs(p.b)).toBeGreaterThanOrEqual(0.35);
      expect(p.a).toBeGreaterThanOrEqual(0.55);
      expect(p.a).toBeLessThanOrEqual(1.2);
    }
    const t = paperControlTask(PAPER_CONTROL, 's', 'paper', 0);
    expect(t).toMatchObject({ horizon: 12, vTarget: 0, penalty: 0.03 });
    expect(Math.abs(t.xTarget)).toBeLessThanOrEqual(8);
  });
});
