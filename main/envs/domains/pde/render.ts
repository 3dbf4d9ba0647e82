/**
 * Text of PDE Discovery in the two renderings. `chat` is full prose; `compact` is terse for the small CPU model.
 * Both show the same numbers with the same rounding and use the same action syntax.
 */
import type { Rendering } from '../../sdk.ts';
import type { CommitResult, LastAction, PdeView, RegressionReport } from './view.ts';

const f4 = (x: number) => x.toFixed(4);
const cond = (c: number | null) => (c === null ? 'inf' : c.toPrecision(3));

export interface RulesFacts {
  readonly dictionary: readonly string[];
  readonly minTerms: number;
  readonly maxTerms: number;
  readonly budget: number;
  readonly maxTurns: number;
  readonly noise: number;
  readonly dx: number;
  readonly dt: number;
}

export function rulesText(rendering: Rendering, r: RulesFacts): string {
  const dict = r.dictionary.join(', ');
  if (rendering === 'compact') {
    return [
      `Find hidden f in u_t=D*u_xx+f(u), x in [0,1], u=0 at both ends, t in [0,T]. f = ${r.minTerms}-${r.maxTerms} terms of {${dict}} with coefficients; may or may not be the same across tasks.`,
      `1 action/turn, ${r.maxTurns} turns max:`,
      `sample (x,t) (x,t)...: u and residual u_t-D*u_xx (=f(u)+noise std ${r.noise}) at <=${r.budget} points/task, 0<x<1, 0<t<T, snapped to dx=${r.dx} dt=${r.dt}.`,
      'evidence: all samples of this series so far.',
      'regress [terms=a,b] [threshold=0.05] [max_terms=k] [scope=task|pack]: best k-term subset (if max_terms), then thresholded least squares; reports coefs, rms, condition numbers.',
      'commit EQ: e.g. commit 0.8*u - 0.45*u^3; only after a sample and a regress this task; ends task.',
      'reward=1/(1+sum|c-c_true|/sum|c_true| + #extra terms). Bad point/over budget/early commit: illegal, reward 0. Unparsable: reward 0. No commit: 0.',
      'Answer: <answer>sample (0.25, 0.5) (0.5, 0.5)</answer>',
    ].join('\n');
  }
  return [
    'You are identifying the hidden reaction term of a 1-D reaction–diffusion equation',
    '    u_t = D·u_xx + f(u),   x in [0, 1],   u(0, t) = u(1, t) = 0,   t in [0, T].',
    `f(u) is a sparse combination of ${r.minTerms} to ${r.maxTerms} terms from the dictionary {${dict}}, each with its own`,
    'coefficient. It may or may not be the same across the tasks of this series. D, T and the initial profile are given',
    'per task; the trajectory was simulated with an implicit scheme.',
    '',
    `Tools — exactly one per turn, at most ${r.maxTurns} turns:`,
    `- sample (x, t) (x, t) … : measure u and the residual u_t − D·u_xx (equal to f(u) plus Gaussian noise of std about`,
    `  ${r.noise}) at up to ${r.budget} points per task in total. Points need 0 < x < 1 and 0 < t < T and snap to the simulation`,
    `  grid (dx = ${r.dx}, dt = ${r.dt}).`,
    '- evidence : list every sample taken so far in this series (all tasks).',
    '- regress [terms=a,b,…] [threshold=0.05] [max_terms=k] [scope=task|pack] : sparse regression of the residual on',
    "  the terms (default: the whole dictionary), over this task's samples (scope=task, the default) or over every",
    '  sample of the series (scope=pack). With max_terms it first picks the best subset of k terms; then sequentially',
    '  thresholded least squares drops coefficients below the threshold. It reports the coefficients, the RMS error and',
    '  condition numbers (a large one means the terms are hard to tell apart on these samples).',
    '- commit <equation> : your final answer, e.g. `commit 0.8*u - 0.45*u^3` or `commit 1.2 - 0.5*exp(-u)`. Allowed',
    '  only after at least one sample and one successful regress in this task. It ends the task.',
    '',
    'Reward = 1 / (1 + normalised L1 coefficient error + number of extra terms), where the error is',
    'Σ|c_committed − c_true| / Σ|c_true| over the true terms (a missing term costs its whole coefficient).',
    'A point outside the domain, more points than the budget left, or a commit before sampling and regressing is an',
    'illegal action and ends the task with reward 0; so does an action that cannot be parsed. Not committing within',
    'the turns gives 0.',
    'Answer format, for example: <answer>sample (0.25, 0.5) (0.5, 0.5)</answer>',
  ].join('\n');
}

function samplesTable(rendering: Rendering, rows: readonly { x: number; t: number; u: number; r: number }[]): string {
  const head = rendering === 'compact' ? 'x t u residual' : 'x | t | u | residual';
  const sep = rendering === 'compact' ? ' ' : ' | ';
  return [head, ...rows.map((s) => [s.x.toFixed(2), s.t.toFixed(2), f4(s.u), f4(s.r)].join(sep))].join('\n');
}

function regressionText(rendering: Rendering, rep: RegressionReport): string {
  const law =
    rep.coefficients.length === 0
      ? '0'
      : rep.coefficients
          .map(
            (c, i) =>
              `${i === 0 ? (c.value < 0 ? '-' : '') : c.value < 0 ? ' - ' : ' + '}${f4(Math.abs(c.value))}*${c.term}`,
          )
          .join('');
  const how = `${rep.maxTerms === null ? '' : `best ${rep.maxTerms}-term subset, then `}STLSQ threshold ${rep.threshold}`;
  if (rendering === 'compact') {
    return (
      `regress scope=${rep.scope} n=${rep.samples} terms=${rep.terms.join(',')} (${how}): f(u)=${law} ` +
      `rms=${f4(rep.rms)} cond_all=${cond(rep.candidateCondition)} cond_sel=${cond(rep.supportCondition)}`
    );
  }
  return [
    `Regression over ${rep.samples} samples (scope ${rep.scope}), candidate terms ${rep.terms.join(', ')}; ${how}.`,
    `Result: f(u) ≈ ${law}   (RMS error ${f4(rep.rms)})`,
    `Condition number of the normalised design: all candidates ${cond(rep.candidateCondition)}, selected terms ${cond(rep.supportCondition)}.`,
  ].join('\n');
}

function lastText(rendering: Rendering, last: LastAction): string {
  switch (last.kind) {
    case 'start':
      return '';
    case 'sample':
      return (rendering === 'compact' ? 'samples:\n' : 'New measurements:\n') + samplesTable(rendering, last.samples);
    case 'evidence': {
      if (last.points.length === 0)
        return rendering === 'compact' ? 'evidence: none' : 'Evidence of this series: no samples yet.';
      const head =
        rendering === 'compact'
          ? `evidence (${last.points.length}):\ntask u residual`
          : `Evidence of this series (${last.points.length} samples):\ntask | u | residual`;
      const sep = rendering === 'compact' ? ' ' : ' | ';
      return [head, ...last.points.map((p) => [String(p.task), f4(p.u), f4(p.r)].join(sep))].join('\n');
    }
    case 'regress':
      return regressionText(rendering, last.report);
    case 'regress_error':
      return rendering === 'compact' ? `regress failed: ${last.error}` : `Regression failed: ${last.error}.`;
  }
}

export function commitText(rendering: Rendering, c: CommitResult): string {
  const list = (xs: readonly string[]) => (xs.length === 0 ? 'none' : xs.join(', '));
  if (rendering === 'compact') {
    return (
      `committed f(u)=${c.law}; in law: ${list(c.correct)}; extra: ${list(c.extra)}; missing: ${c.missing}; ` +
      `coef error ${f4(c.error)}; reward=${f4(c.reward)}`
    );
  }
  return [
    `You committed f(u) = ${c.law}.`,
    `Committed terms that are in the true law: ${list(c.correct)}. Extra terms (not in the law): ${list(c.extra)}.`,
    `True terms you missed: ${c.missing}. Normalised coefficient error: ${f4(c.error)}.`,
    `Reward = 1 / (1 + ${f4(c.error)} + ${c.extra.length}) = ${f4(c.reward)}.`,
  ].join('\n');
}

export function observationText(rendering: Rendering, v: PdeView): string {
  const profile = v.initialProfile.map((p) => f4(p.u)).join(' ');
  const lines: string[] = [];
  if (rendering === 'compact') {
    lines.push(`D=${v.diffusion} T=${v.horizon} u(x,0) at x=0,0.1..1: ${profile}`);
  } else {
    lines.push(
      `Task: D = ${v.diffusion}, T = ${v.horizon}.`,
      `Initial profile u(x, 0) at x = 0, 0.1, …, 1: ${profile}`,
    );
  }
  const last = lastText(rendering, v.last);
  if (last !== '') lines.push(last);
  if (v.result) lines.push(commitText(rendering, v.result));
  else if (rendering === 'compact') {
    lines.push(
      `turn ${v.turn}/${v.maxTurns} budget ${v.budgetLeft}/${v.budget} regressed=${v.regressed ? 'yes' : 'no'}`,
    );
  } else {
    lines.push(
      `Turn ${v.turn} of ${v.maxTurns}; sample budget left ${v.budgetLeft} of ${v.budget}; ` +
        `regressed in this task: ${v.regressed ? 'yes' : 'no'}.`,
    );
  }
  return lines.join('\n');
}
