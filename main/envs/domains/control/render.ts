/**
 * Text of the Optimal Control task in the two renderings. `chat` is full prose; `compact` is terse for the
 * small CPU model. Both carry the same numbers (same rounding) and the same answer syntax.
 */
import type { Rendering } from '../../sdk.ts';
import { EFFORT_WEIGHT, VELOCITY_WEIGHT } from './rollout.ts';
import type { ControlResult, ControlView, PreviousAttempt } from './view.ts';

const f3 = (x: number) => x.toFixed(3);
const f4 = (x: number) => x.toFixed(4);

export function rulesText(rendering: Rendering, horizon: number): string {
  if (rendering === 'compact') {
    return [
      "Control a 1-D point. Hidden linear dynamics, same for all tasks: v'=a*v+b*u(+noise); x'=x+v'; u clipped to [-1,1]; sign of b unknown.",
      `Submit ONE expression for u, evaluated at t=0..${horizon - 1}. Vars: x v t x_target v_target horizon remaining_steps(=horizon-t).`,
      'Ops: + - * / ** < <= > >= == != and or not; A if C else B; abs min max pow clip(x,lo,hi). Python precedence.',
      `L=(x_T-x_target)^2+${VELOCITY_WEIGHT}*(v_T-v_target)^2+${EFFORT_WEIGHT}*sum(u^2); reward=1/(1+L); parse error -0.1; eval error 0.`,
      'Answer: <answer><action_expression>EXPR</action_expression></answer>',
    ].join('\n');
  }
  return [
    'You are controlling a point that moves on a line. Its dynamics are linear but unknown to you:',
    "at every step the velocity becomes v' = a·v + b·u (plus a little noise in some settings), then the position",
    "becomes x' = x + v'. The control u is clipped to [-1, 1]. The constants a and b are hidden; they are the same for",
    'every task in this series, and the sign of b is not told (a positive u may push the point either way).',
    '',
    `You submit ONE feedback-control expression. It is evaluated at every step t = 0, 1, …, ${horizon - 1} with the variables`,
    'x, v (the current state), t, x_target, v_target, horizon and remaining_steps (= horizon − t), and its value is the',
    'control u for that step.',
    'Syntax: numbers, + - * / ** (power), comparisons < <= > >= == !=, and / or / not, the conditional',
    '`A if CONDITION else B`, and the functions abs(x), min(a, b, …), max(a, b, …), pow(a, b), clip(x, lo, hi).',
    'Operator precedence follows Python.',
    '',
    `Scoring: loss L = (x_T − x_target)² + ${VELOCITY_WEIGHT}·(v_T − v_target)² + ${EFFORT_WEIGHT}·Σ u², where x_T, v_T are the state after`,
    'the last step; reward = 1 / (1 + L). An expression that cannot be parsed scores −0.1; one that fails while being',
    'evaluated (for example a division by zero) scores 0.',
    'After you answer you will see the whole trajectory as a table of (t, x, v, u).',
    '',
    'Answer format: <answer><action_expression>YOUR EXPRESSION</action_expression></answer>',
    'Example: <answer><action_expression>clip(0.5*(x_target - x) - 0.8*v, -1, 1)</action_expression></answer>',
  ].join('\n');
}

function previousText(rendering: Rendering, p: PreviousAttempt): string {
  const known = p.finalX !== null && p.finalV !== null;
  if (rendering === 'compact') {
    const state = known ? ` x_T=${f4(p.finalX ?? 0)} v_T=${f4(p.finalV ?? 0)}` : '';
    return `prev: expr=${p.expression} status=${p.status} reward=${f3(p.reward)}${state}`;
  }
  const state = known ? `, final state x_T = ${f4(p.finalX ?? 0)}, v_T = ${f4(p.finalV ?? 0)}` : '';
  return `Previous task: you submitted \`${p.expression}\` (${p.status}), reward ${f3(p.reward)}${state}.`;
}

export function observationText(rendering: Rendering, view: ControlView): string {
  const lines: string[] = [];
  if (rendering === 'compact') {
    lines.push(
      `x0=${f3(view.x0)} v0=${f3(view.v0)} x_target=${f3(view.xTarget)} v_target=${f3(view.vTarget)} horizon=${view.horizon}`,
    );
  } else {
    lines.push(
      `Task: the point starts at x = ${f3(view.x0)} with velocity v = ${f3(view.v0)}.`,
      `Bring it to x_target = ${f3(view.xTarget)} with velocity v_target = ${f3(view.vTarget)} after horizon = ${view.horizon} steps.`,
    );
  }
  if (view.previous) lines.push(previousText(rendering, view.previous));
  if (view.result) lines.push(resultText(rendering, view.result, view));
  else lines.push(rendering === 'compact' ? 'Submit u expression.' : 'Submit your controller expression.');
  return lines.join('\n');
}

function tableText(rendering: Rendering, result: ControlResult): string {
  const head = rendering === 'compact' ? 't x v u' : 't | x | v | u';
  const sep = rendering === 'compact' ? ' ' : ' | ';
  const rows = result.rows.map((r) => [String(r.t), f4(r.x), f4(r.v), r.u === null ? '-' : f4(r.u)].join(sep));
  return [head, ...rows].join('\n');
}

export function resultText(rendering: Rendering, result: ControlResult, view: ControlView): string {
  if (result.status === 'parse_error') {
    return rendering === 'compact'
      ? `Parse error: ${result.error}. reward=-0.100`
      : `Your expression could not be parsed: ${result.error}. Reward: -0.100.`;
  }
  const table = tableText(rendering, result);
  if (result.status === 'eval_error') {
    const at = result.rows.length > 0 ? result.rows[result.rows.length - 1].t : 0;
    return rendering === 'compact'
      ? `${table}\nEval error at t=${at}: ${result.error}. reward=0.000`
      : `Trajectory until the failure:\n${table}\nYour expression failed to evaluate at t = ${at}: ${result.error}. Reward: 0.000.`;
  }
  const last = result.rows[result.rows.length - 1];
  const loss = result.loss;
  const parts = loss ? [loss.position, loss.velocity, loss.effort, loss.total].map(f4) : ['-', '-', '-', '-'];
  if (rendering === 'compact') {
    return (
      `${table}\nx_T=${f4(last.x)} v_T=${f4(last.v)} target=(${f3(view.xTarget)},${f3(view.vTarget)}) ` +
      `L=${parts[3]} (pos ${parts[0]} vel ${parts[1]} u ${parts[2]}) reward=${f3(result.reward)}`
    );
  }
  return [
    'Trajectory (state before each step and the clipped control applied):',
    table,
    `Final state x_T = ${f4(last.x)}, v_T = ${f4(last.v)}; targets x_target = ${f3(view.xTarget)}, v_target = ${f3(view.vTarget)}.`,
    `Loss = position ${parts[0]} + velocity ${parts[1]} + effort ${parts[2]} = ${parts[3]}. Reward: ${f3(result.reward)}.`,
  ].join('\n');
}
