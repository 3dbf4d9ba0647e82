import { describe, expect, it } from 'vitest';
import { HINTS_END, HINTS_NULL, HINTS_START } from '../../../main/cod/hints.ts';
import {
  renderLogEntry,
  renderSolveSystem,
  renderUpdateMessages,
  type TrajectoryStep,
} from '../../../main/cod/prompt-render.ts';
import { DEFAULT_PROMPTS, resolvePrompts } from '../../../main/cod/prompts.ts';
import { fillTemplate, templateSlots } from '../../../main/cod/template.ts';

const steps: TrajectoryStep[] = [
  { observation: 'step 1/8 at (0,0)', response: 'Let me try.\n<answer>Direction 1</answer>', answer: 'Direction 1' },
  { observation: 'step 2/8 at (1,0)', response: 'no tags here' },
];

function inOrder(text: string, parts: string[]): void {
  let at = -1;
  for (const p of parts) {
    const i = text.indexOf(p, at + 1);
    expect(i, `'${p}' after position ${at}`).toBeGreaterThan(at);
    at = i;
  }
}

describe('templates', () => {
  it('fill is single-pass: slot values containing {slots} are not expanded', () => {
    expect(fillTemplate('a {x} b {y}', { x: '{y}', y: 'Y' })).toBe('a {y} b Y');
    expect(templateSlots('{a} {b} {a} {not a slot} {1x}')).toEqual(['a', 'b', 'a']);
  });

  it('both default renderings pass their own validation', () => {
    for (const r of ['chat', 'compact'] as const) expect(resolvePrompts(r)).toBe(DEFAULT_PROMPTS[r]);
  });

  it('curriculum overrides replace fields and are validated', () => {
    const t = resolvePrompts('chat', { noPreviousHint: '(nothing yet)' });
    expect(t.noPreviousHint).toBe('(nothing yet)');
    expect(t.updateUser).toBe(DEFAULT_PROMPTS.chat.updateUser);
    expect(() => resolvePrompts('chat', { bogus: 'x' })).toThrow(/unknown template 'bogus'/);
    expect(() => resolvePrompts('chat', { solveSystem: '{rules}' })).toThrow(/\{hints\} must appear exactly once/);
    expect(() => resolvePrompts('chat', { solveSystem: '{rules}{hints}{what}' })).toThrow(/unknown slot \{what\}/);
    expect(() => resolvePrompts('chat', { updateUser: '{trajectory}{previousHints}{reward}{feedback}' })).toThrow(
      /order/,
    );
    expect(() => resolvePrompts('chat', { updateSystem: 'write hints' })).toThrow(/delimiters/);
    expect(() => resolvePrompts('chat', { trajectoryAction: 'both' })).toThrow(/trajectoryAction/);
    expect(() => resolvePrompts('chat', { solveSystem: 42 })).toThrow(/must be a string/);
    expect(() => resolvePrompts('chat', ['x'])).toThrow(/mapping/);
    expect(() => resolvePrompts('chat', { bogus: 1 })).toThrow(expect.objectContaining({ code: 'bad_config' }));
  });
});

describe('solve system prompt', () => {
  it('is the rules, then the hint header and z, then the optional length instruction', () => {
    const t = DEFAULT_PROMPTS.chat;
    const s = renderSolveSystem(t, 'RULES TEXT', HINTS_NULL);
    inOrder(s, ['RULES TEXT', 'might help', 'wrong', 'evidence', HINTS_NULL]);
    expect(s.endsWith(HINTS_NULL)).toBe(true);
    const withLen = renderSolveSystem(t, 'RULES TEXT', 'Hints: - a', 256);
    inOrder(withLen, ['RULES TEXT', 'Hints: - a', 'under 256 tokens']);
    const compact = renderSolveSystem(DEFAULT_PROMPTS.compact, 'R', 'Hints: - a', 64);
    expect(compact.length).toBeLessThan(s.length);
    inOrder(compact, ['R', 'may be wrong', 'Hints: - a', '64 tokens']);
  });
});

describe('update-context prompts', () => {
  for (const rendering of ['chat', 'compact'] as const) {
    it(`${rendering}: system prompt states the job and the delimiters; user prompt follows §3's order`, () => {
      const t = DEFAULT_PROMPTS[rendering];
      const [sys, user] = renderUpdateMessages(t, {
        previousHints: 'Hints: - code 1 = Down',
        rules: 'RULES TEXT',
        steps,
        reward: 0.9375,
        feedback: 'You reached the goal.',
      });
      expect(sys.role).toBe('system');
      expect(user.role).toBe('user');
      inOrder(sys.content, [HINTS_START, HINTS_END]);
      inOrder(user.content, [
        '--- Previous hints ---',
        'Hints: - code 1 = Down',
        '--- A new task-solving trajectory ---',
        'RULES TEXT',
        'Step 1:',
        'Observation: step 1/8 at (0,0)',
        'Action: ',
        'Step 2:',
        'Observation: step 2/8 at (1,0)',
        'Action: no tags here',
        'Reward: 0.938',
        'Environment feedback: You reached the goal.',
        '--- Your job ---',
      ]);
      // The trajectory shows the rules without any hint section.
      expect(user.content).not.toContain('Hints from earlier tasks');
      expect(user.content).not.toContain('may be wrong; check');
    });
  }

  it('chat shows the whole response as the action, compact only the parsed answer', () => {
    const input = { previousHints: HINTS_NULL, rules: 'R', steps, reward: 0, feedback: 'f' };
    expect(renderUpdateMessages(DEFAULT_PROMPTS.chat, input)[1].content).toContain(
      'Action: Let me try.\n<answer>Direction 1</answer>',
    );
    const compact = renderUpdateMessages(DEFAULT_PROMPTS.compact, input)[1].content;
    expect(compact).toContain('Action: Direction 1\n');
    expect(compact).toContain('Action: no tags here');
  });

  it('uses the "no previous hint" line for z_0 and for unparsable hints', () => {
    for (const z of [HINTS_NULL, 'Hints: no hint available.']) {
      const user = renderUpdateMessages(DEFAULT_PROMPTS.chat, {
        previousHints: z,
        rules: 'R',
        steps,
        reward: 1,
        feedback: 'f',
      })[1].content;
      inOrder(user, [
        '--- Previous hints ---',
        '(No previous hint available)',
        '--- A new task-solving trajectory ---',
      ]);
      expect(user).toContain('Reward: 1.000');
    }
  });

  it('model text in slots is never expanded as a template', () => {
    const user = renderUpdateMessages(DEFAULT_PROMPTS.chat, {
      previousHints: 'Hints: {trajectory}',
      rules: '{feedback}',
      steps: [{ observation: '{reward}', response: '{previousHints}' }],
      reward: 0,
      feedback: 'F',
    })[1].content;
    expect(user).toContain('Hints: {trajectory}');
    expect(user).toContain('Observation: {reward}');
    expect(user).toContain('Action: {previousHints}');
  });

  it('log entries number tasks from 1 and carry reward and feedback', () => {
    const e = renderLogEntry(DEFAULT_PROMPTS.compact, 2, steps, 0.5, 'fell in a hole');
    inOrder(e, ['Task 3', 'Step 1:', 'Reward: 0.500', 'Environment feedback: fell in a hole']);
  });
});
