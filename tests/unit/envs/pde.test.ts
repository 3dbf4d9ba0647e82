import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { parsePdeAction } from '../../../main/envs/domains/pde/actions.ts';
import { formatLaw, termIndex, TERM_NAMES } from '../../../main/envs/domains/pde/dictionary.ts';
import { parseEquation } from '../../../main/envs/domains/pde/equation.ts';
import { pde } from '../../../main/envs/domains/pde/index.ts';
import { drawLaw } from '../../../main/envs/domains/pde/law.ts';
import { pdeParams } from '../../../main/envs/domains/pde/params.ts';
import { scoreLaw } from '../../../main/envs/domains/pde/score.ts';
import type { PdeView } from '../../../main/envs/domains/pde/view.ts';
import type { Rendering, StepResult, TaskEpisode } from '../../../main/envs/sdk.ts';

const open = (seed = 'pde-test', preset = 'train', rendering: Rendering = 'chat', options?: Record<string, unknown>) =>
  pde.openPack({ seed, preset, rendering, options });
const law = (seed: string, preset = 'train') => drawLaw(pdeParams(preset, undefined), seed, 0);
const play = (ep: TaskEpisode, actions: string[]): StepResult[] => actions.map((a) => ep.step(a));
const SIX = 'sample (0.5, 0.1) (0.3, 0.5) (0.7, 0.9) (0.2, 0.3) (0.8, 0.7) (0.4, 0.2)';

describe('pde: equation and action syntax', () => {
  it('parses committed equations in the documented forms', () => {
    const coef = (s: string) => {
      const p = parseEquation(s);
      if (!p.ok) throw new Error(p.error);
      return formatLaw(p.coef);
    };
    expect(coef('0.8*u - 0.45*u^3')).toBe('0.8*u - 0.45*u^3');
    expect(coef('f(u) = 1.2 - 0.5*exp(-u)')).toBe('1.2 - 0.5*exp(-u)');
    expect(coef('-u + 0.3 u**2')).toBe('-1*u + 0.3*u^2');
    expect(coef('0.5*1 + 2*sin(u) - sin(u)')).toBe('0.5 + 1*sin(u)');
    expect(coef('1e-1*u^2')).toBe('0.1*u^2');
    expect(coef('0')).toBe('0');
    for (const bad of ['', 'u*0.5', '0.5*', 'cos(u)', 'u^4', '2 3', 'x', '1e999*u', 'u^2^3']) {
      expect(parseEquation(bad).ok, bad).toBe(false);
    }
  });

  it('parses the four tools and rejects everything else with a reason', () => {
    expect(parsePdeAction('sample (0.2, 0.5) (0.4,0.6)')).toEqual({
      ok: true,
      action: {
        kind: 'sample',
        points: [
          [0.2, 0.5],
          [0.4, 0.6],
        ],
      },
    });
    expect(parsePdeAction('  EVIDENCE ')).toEqual({ ok: true, action: { kind: 'evidence' } });
    expect(parsePdeAction('regress terms=u, u^3 ,sin(u) threshold=0.1 max_terms=2 scope=pack')).toEqual({
      ok: true,
      action: { kind: 'regress', terms: [1, 3, 4], threshold: 0.1, maxTerms: 2, scope: 'pack' },
    });
    expect(parsePdeAction('regress')).toEqual({
      ok: true,
      action: { kind: 'regress', terms: null, threshold: 0.05, maxTerms: null, scope: 'task' },
    });
    const err = (s: string) => {
      const p = parsePdeAction(s);
      return p.ok ? 'parsed' : p.error;
    };
    expect(err('sample')).toMatch(/at least one point/);
    expect(err('sample (0.2 0.5)')).toMatch(/expected a point/);
    expect(err('regress terms=cos(u)')).toMatch(/unknown term 'cos\(u\)'/);
    expect(err('regress scope=all')).toMatch(/scope must be task or pack/);
    expect(err('regress max_terms=0')).toMatch(/positive integer/);
    expect(err('regress threshold=-1')).toMatch(/threshold/);
    expect(err('regress foo=1')).toMatch(/unexpected 'foo=1'/);
    expect(err('commit u*2')).toMatch(/cannot parse the equation/);
    expect(err('evidence please')).toMatch(/no arguments/);
    expect(err('solve it')).toMatch(/unknown action 'solve it'/);
    expect(err('x'.repeat(5000))).toMatch(/longer than/);
  });

  it('scores a law by normalised L1 coefficient error and extra terms', () => {
    const truth = TERM_NAMES.map((t) => (t === 'u' ? 1 : t === 'u^3' ? -0.5 : 0));
    expect(scoreLaw(truth, truth).reward).toBe(1);
    const close = scoreLaw(
      truth,
      TERM_NAMES.map((t) => (t === 'u' ? 1.15 : t === 'u^3' ? -0.5 : 0)),
    );
    expect(close.error).toBeCloseTo(0.1, 12);
    expect(close.reward).toBeCloseTo(1 / 1.1, 12);
    const missingAndExtra = scoreLaw(
      truth,
      TERM_NAMES.map((t) => (t === 'u' ? 1 : t === 'sin(u)' ? 0.2 : 0)),
    );
    expect(missingAndExtra.missing).toBe(1);
    expect(missingAndExtra.extra).toEqual([termIndex('sin(u)')]);
    expect(missingAndExtra.error).toBeCloseTo(0.5 / 1.5, 12);
    expect(missingAndExtra.reward).toBeCloseTo(1 / (1 + 0.5 / 1.5 + 1), 12);
  });
});

describe('pde: episodes', () => {
  it('sample → regress → commit the true law scores ~1 and names the terms in the feedback', () => {
    const seed = 'truth-run';
    const truth = law(seed);
    const ep = open(seed).startTask(0);
    const [s, r] = play(ep, [
      SIX,
      `regress terms=${TERM_NAMES.filter((_, k) => truth[k] !== 0).join(',')} threshold=0`,
    ]);
    expect(s.done || r.done).toBe(false);
    const v = ep.view() as PdeView;
    expect(v.samples).toHaveLength(6);
    expect(v.budgetLeft).toBe(0);
    expect(v.regressed).toBe(true);
    const end = ep.step(`commit ${formatLaw(truth)}`);
    expect(end.done).toBe(true);
    if (!end.done) return;
    expect(end.reward).toBe(1);
    expect(end.outcome).toBe('success');
    expect(end.feedback).toMatch(/Extra terms \(not in the law\): none/);
    expect(end.feedback).toMatch(/True terms you missed: 0/);
  });

  it('illegal: over budget, outside the domain, committing too early; all end with reward 0', () => {
    const cases: Array<[string[], RegExp]> = [
      [['sample ' + '(0.5, 0.5) '.repeat(7)], /only 6 of the 6 remain/],
      [[SIX, 'sample (0.5, 0.5)'], /only 0 of the 6 remain/],
      [['sample (0, 0.5)'], /outside 0 < x < 1/],
      [['sample (0.5, 1)'], /outside/],
      [['commit 0.5*u'], /only after sampling and a successful regress/],
      [['sample (0.5, 0.5)', 'commit 0.5*u'], /only after sampling/],
      [['regress scope=pack', 'commit 0.5*u'], /only after sampling/],
    ];
    for (const [actions, why] of cases) {
      const results = play(open().startTask(0), actions);
      const last = results[results.length - 1];
      expect(last.done && last.outcome, actions.join(' ; ')).toBe('illegal_action');
      expect(last.done && last.reward).toBe(0);
      expect(last.done && last.feedback).toMatch(why);
    }
  });

  it('format errors and running out of turns', () => {
    const fe = open().startTask(0).step('please regress');
    expect(fe.done && fe.outcome).toBe('format_error');
    expect(fe.done && fe.reward).toBe(0);
    const ep = open().startTask(0);
    const results = play(ep, ['evidence', 'evidence', 'evidence', 'evidence', 'evidence', 'evidence']);
    const last = results[5];
    expect(results.slice(0, 5).every((r) => !r.done)).toBe(true);
    expect(last.done && last.outcome).toBe('out_of_turns');
    expect(ep.formatError('x').outcome).toBe('out_of_turns'); // already ended: the end stays
    expect(open().startTask(0).formatError('no answer block').outcome).toBe('format_error');
  });

  it('a failed regression (too few samples) does not unlock commit', () => {
    const ep = open().startTask(0);
    const [, r] = play(ep, ['sample (0.5, 0.5)', 'regress max_terms=2']);
    expect(r.done).toBe(false);
    expect((ep.view() as PdeView).last.kind).toBe('regress_error');
    const c = ep.step('commit 0.5*u');
    expect(c.done && c.outcome).toBe('illegal_action');
  });

  it('evidence persists across the pack and scope=pack regresses over it', () => {
    const pack = open('evidence');
    play(pack.startTask(0), [SIX]);
    const ep = pack.startTask(1);
    const [e] = play(ep, ['evidence']);
    expect(e.done).toBe(false);
    const v = ep.view() as PdeView;
    expect(v.last.kind === 'evidence' && v.last.points.length).toBe(6);
    expect(v.last.kind === 'evidence' && v.last.points.every((p) => p.task === 0)).toBe(true);
    play(ep, ['sample (0.5, 0.5) (0.3, 0.3)', 'regress terms=u scope=pack']);
    const w = ep.view() as PdeView;
    expect(w.last.kind === 'regress' && w.last.report.samples).toBe(8);
    play(ep, ['regress terms=u']);
    const x = ep.view() as PdeView;
    expect(x.last.kind === 'regress' && x.last.report.samples).toBe(2);
    // A fresh pack has no evidence.
    const fresh = open('evidence').startTask(1);
    fresh.step('evidence');
    expect(fresh.observation()).toMatch(/no samples yet/);
  });
});

describe('pde: configuration', () => {
  it('presets: 1–2 terms (train, easy), 1–3 (hard), 6 turns and 6 samples', () => {
    expect(pde.presets).toEqual(['train', 'easy', 'hard', 'paper', 'paper-hard']);
    const count = (preset: string) =>
      Array.from({ length: 60 }, (_, k) => law(`count-${k}`, preset).filter((c) => c !== 0).length);
    for (const preset of ['train', 'easy']) expect(new Set(count(preset))).toEqual(new Set([1, 2]));
    expect(new Set(count('hard'))).toEqual(new Set([1, 2, 3]));
    const v = open('p', 'hard').startTask(0).view() as PdeView;
    expect([v.maxTurns, v.budget]).toEqual([6, 6]);
  });

  it('per_task law mode draws a new law each task; per_pack keeps one', () => {
    const params = pdeParams('train', { lawMode: 'per_task' });
    const laws = new Set(Array.from({ length: 8 }, (_, i) => formatLaw(drawLaw(params, 's', i))));
    expect(laws.size).toBeGreaterThan(1);
    const same = new Set(
      Array.from({ length: 8 }, (_, i) => formatLaw(drawLaw(pdeParams('train', undefined), 's', i))),
    );
    expect(same.size).toBe(1);
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
    expect(msg(() => open('s', 'expert'))).toMatch(/^bad_config:.*unknown preset 'expert'/);
    expect(msg(() => open('s', 'train', 'chat', { budget: 0 }))).toMatch(/^bad_config:.*budget/);
    expect(msg(() => open('s', 'train', 'chat', { lawMode: 'sometimes' }))).toMatch(/^bad_config:.*lawMode/);
    expect(msg(() => open('s', 'train', 'chat', { minTerms: 3, maxTerms: 1 }))).toMatch(/^bad_config:.*exceeds/);
    expect(msg(() => open('s', 'train', 'chat', { dictionary: [] }))).toMatch(/^bad_config:.*unknown option/);
  });
});

describe('pde: renderings and public views', () => {
  it('chat and compact carry the same numbers and the same action syntax', () => {
    const chat = open('r', 'train', 'chat').startTask(2);
    const compact = open('r', 'train', 'compact').startTask(2);
    const actions = [SIX, 'regress max_terms=2', 'evidence'];
    for (const a of actions) {
      chat.step(a);
      compact.step(a);
      const v = chat.view() as PdeView;
      expect(compact.view()).toEqual(v);
      const numbers: string[] = v.initialProfile.map((p) => p.u.toFixed(4));
      if (v.last.kind === 'sample')
        for (const s of v.last.samples) numbers.push(s.x.toFixed(2), s.t.toFixed(2), s.u.toFixed(4), s.r.toFixed(4));
      if (v.last.kind === 'regress') {
        numbers.push(v.last.report.rms.toFixed(4));
        for (const c of v.last.report.coefficients) numbers.push(Math.abs(c.value).toFixed(4), c.term);
      }
      if (v.last.kind === 'evidence') for (const p of v.last.points) numbers.push(p.u.toFixed(4), p.r.toFixed(4));
      for (const n of numbers) {
        expect(chat.observation()).toContain(n);
        expect(compact.observation()).toContain(n);
      }
      expect(compact.observation().length).toBeLessThan(chat.observation().length);
    }
    for (const ep of [chat, compact])
      for (const word of ['sample (', 'evidence', 'regress', 'commit', 'scope=task|pack', 'max_terms'])
        expect(ep.rules()).toContain(word);
    expect(compact.rules().length).toBeLessThan(chat.rules().length * 0.7);
  });

  it('views and texts never reveal the law', () => {
    const seed = 'secret';
    const truth = law(seed);
    const ep = open(seed).startTask(0);
    ep.step(SIX);
    const text = JSON.stringify(ep.view()) + ep.rules() + ep.observation();
    expect(text).not.toContain(formatLaw(truth));
    for (const c of truth.filter((x) => x !== 0))
      expect(JSON.stringify(ep.view())).not.toMatch(new RegExp(`"value":${c}[,}]`));
  });
});
