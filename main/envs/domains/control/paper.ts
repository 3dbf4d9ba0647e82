/**
 * The paper's Optimal Control (preset 'paper'), as the reference runs it: agentscope-ai/Trinity-RFT
 * trinity/common/workflows/connect_the_dots/optimalcontrol/ @ 139d1c43 —
 * - env.py: resolve_task (a ~ U[0.55, 1.20], b uniform on [-1.5, -0.35] ∪ [0.35, 1.5] per pack: _sample_b_env),
 *   rollout (u clipped to [-1, 1], no process noise), compute_loss / compute_reward, render_trajectory /
 *   render_summary, format_reward, serialize_action_expression_xml;
 * - workflow.py: parse_action_expression_submission (no ``` anywhere in the response, one XML answer
 *   `<action_expression>…</action_expression>` that ends the response), rewards (-0.1 for a submission that does not
 *   parse, 0 when the expression fails while running, else 1 / (1 + L)), _build_feedback, _build_user_prompt with the
 *   evidence of the latest earlier controller of the pack that ran (include_previous_control_policy), and
 *   _build_rollout_trajectory (the update prompt's trajectory: system, task, submitted expression);
 * - prompts/system.jinja2 and user.jinja2 (b's sign not told, no noise, control penalty 0.03);
 * - data: get_optimal_control_data.py, difficulty hard (horizon 12, x0 ∈ [-2, 2], v0 ∈ [-1.5, 1.5],
 *   x_target ∈ [-8, 8], v_target 0); workflow_args of exp_plan_final/train/optimal_control_improve.yaml @ 1d7fae4a.
 * Departures: the reference keeps the earlier controller in a process-wide table keyed by (batch, pack seed), shared
 * by the concurrent rollouts of one pack; here it belongs to the lifecycle. A response cut off at the token limit
 * gets the ordinary format feedback (the reference words it differently).
 */
import { Rng } from '../../seed.ts';
import type { EpisodeEnd, Outcome, StepResult } from '../../sdk.ts';
import { SolveEpisode, type EndResult } from '../shared/solve-episode.ts';
import { checkExpression, evaluate, PyError, type Node } from './paper-expr.ts';
import type { StepRow } from './rollout.ts';
import type { ControlView, PreviousAttempt } from './view.ts';

export const PARSE_FAILURE_REWARD = -0.1;

export interface PaperControlParams {
  readonly horizon: number;
  readonly minX0: number;
  readonly maxX0: number;
  readonly minV0: number;
  readonly maxV0: number;
  readonly minTarget: number;
  readonly maxTarget: number;
  readonly vTarget: number;
  readonly penalty: number;
}

export const PAPER_CONTROL: PaperControlParams = {
  horizon: 12,
  minX0: -2,
  maxX0: 2,
  minV0: -1.5,
  maxV0: 1.5,
  minTarget: -8,
  maxTarget: 8,
  vTarget: 0,
  penalty: 0.03,
};

/** _sample_b_env: uniform on [lower, upper] without (-minAbs, minAbs). */
export function sampleB(rng: Rng, lower: number, upper: number, minAbs: number): number {
  const leftUpper = Math.min(upper, -minAbs);
  const rightLower = Math.max(lower, minAbs);
  const left = Math.max(0, leftUpper - lower);
  const right = Math.max(0, upper - rightLower);
  const offset = rng.next() * (left + right);
  return offset < left ? lower + offset : rightLower + (offset - left);
}

// --- Python number formatting ---

/** Python's f"{x:.Nf}" ("-0.000" for minus zero, as Python keeps the sign). */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const s = x.toFixed(digits);
  return Object.is(x, -0) ? `-${s}` : s;
}

/** Python's e-notation exponent: sign and at least two digits. */
const pyExp = (s: string) => s.replace(/e([+-])(\d)$/, 'e$10$2');

/** Python's repr of a float (shortest round-trip digits; exponent below 1e-4 and from 1e16). */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const shortest = x.toExponential();
  const e = Number(shortest.split('e')[1]);
  if (e < -4 || e >= 16) return pyExp(shortest);
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

/** format_reward. */
export function formatReward(value: number): string {
  const rounded = pyFixed(value, 3);
  if (value > 0 && rounded === '0.000')
    return `${pyExp(value.toExponential(3))} (nonzero; below three-decimal precision)`;
  return rounded;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** serialize_action_expression_xml. */
export function controllerXml(expression: string): string {
  return `<answer>\n  <action_expression>\n    ${xmlEscape(expression)}\n  </action_expression>\n</answer>`;
}

// --- the submission ---

const ENTITY: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML character data with its entities decoded, or null when it is not well-formed (a bare & or <). */
function xmlText(raw: string): string | null {
  if (raw.includes('<')) return null;
  let bad = false;
  const text = raw.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) bad = true;
    if (Object.hasOwn(ENTITY, name)) return ENTITY[name];
    const num = /^#(?:x([0-9a-fA-F]+)|(\d+))$/.exec(name);
    if (num) return String.fromCodePoint(num[1] !== undefined ? parseInt(num[1], 16) : Number(num[2]));
    bad = true;
    return whole;
  });
  return bad ? null : text;
}

type XmlAnswer = { readonly tag: string; readonly args: unknown } | 'invalid_answer_xml';

/**
 * parse_xml_answer on the answer's content: one XML element. A leaf's value is its stripped text, or its attributes
 * when it has some; elements with children are not text. Malformed XML, or text mixed with child elements, is invalid.
 */
function parseXmlElement(content: string): XmlAnswer {
  const s = content.trim();
  const open = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(s);
  if (!open) return 'invalid_answer_xml';
  const [head, tag, attrs, selfClosing] = open;
  const attrib: Record<string, string> = {};
  for (const m of attrs.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/g)) {
    const v = xmlText(m[2] ?? m[3] ?? '');
    if (v === null) return 'invalid_answer_xml';
    attrib[m[1]] = v;
  }
  const leaf = (text: string) => ({
    tag,
    args: Object.keys(attrib).length > 0 ? attrib : text.trim() === '' ? {} : text.trim(),
  });
  if (selfClosing) return s.length === head.length ? leaf('') : 'invalid_answer_xml';
  const close = new RegExp(`</${tag.replace(/[.-]/g, '\\$&')}\\s*>$`).exec(s);
  if (!close) return 'invalid_answer_xml';
  const inner = s.slice(head.length, s.length - close[0].length);
  if (!inner.includes('<')) {
    const text = xmlText(inner);
    return text === null ? 'invalid_answer_xml' : leaf(text);
  }
  // Child elements: only whitespace around them, or the reference raises "unexpected XML text".
  const child = /\s*<([A-Za-z_][\w.-]*)(?:\s[^<>]*)?(?:\/>|>[^<]*<\/\1\s*>)\s*/y;
  let at = 0;
  while (at < inner.length) {
    child.lastIndex = at;
    if (!child.exec(inner)) return 'invalid_answer_xml';
    at = child.lastIndex;
  }
  return { tag, args: { children: true } };
}

export type Submission =
  | { readonly ok: true; readonly expression: string; readonly tree: Node }
  | { readonly ok: false; readonly detail: string };

/** parse_action_expression_submission: `answer` is the content of the answer block, `response` the whole reply. */
export function parseSubmission(answer: string, response?: string): Submission {
  if (response !== undefined && response.includes('```')) {
    return { ok: false, detail: 'python_or_markdown_code_is_not_allowed' };
  }
  const xml = parseXmlElement(answer);
  if (xml === 'invalid_answer_xml') return { ok: false, detail: xml };
  if (response !== undefined) {
    const end = response.lastIndexOf('</answer>') + '</answer>'.length;
    if (response.slice(end).trim() !== '') return { ok: false, detail: 'answer_must_end_the_response' };
  }
  if (xml.tag !== 'action_expression') return { ok: false, detail: 'expected_action_expression' };
  const checked = checkExpression(xml.args);
  return checked.ok ? checked : { ok: false, detail: checked.error };
}

// --- the rollout ---

export interface PaperRollout {
  readonly xs: number[];
  readonly vs: number[];
  readonly us: number[];
  readonly loss: number;
  readonly reward: number;
}

export function rollout(
  tree: Node,
  dyn: { readonly a: number; readonly b: number },
  task: PaperControlTask,
): PaperRollout | { readonly error: string } {
  let [x, v] = [task.x0, task.v0];
  const xs = [x];
  const vs = [v];
  const us: number[] = [];
  const H = task.horizon;
  for (let t = 0; t < H; t++) {
    let u: number;
    try {
      const raw = evaluate(tree, {
        x,
        v,
        t,
        x_target: task.xTarget,
        v_target: task.vTarget,
        horizon: H,
        remaining_steps: Math.max(1, H - t),
      });
      if (typeof raw === 'boolean') throw new PyError('TypeError', 'action must return an int or float scalar');
      if (!Number.isFinite(raw)) throw new PyError('ValueError', 'action must return a finite scalar');
      u = Math.max(-1, Math.min(raw, 1));
    } catch (e) {
      const inner = e instanceof PyError ? `${e.pyType}: ${e.message}` : `RuntimeError: ${String(e)}`;
      return { error: `RuntimeError: action failed at t=${t}: ${inner}`.slice(0, 500) };
    }
    us.push(u);
    v = dyn.a * v + dyn.b * u;
    x = x + v;
    xs.push(x);
    vs.push(v);
  }
  const loss = (x - task.xTarget) ** 2 + 2 * (v - task.vTarget) ** 2 + task.penalty * us.reduce((s, u) => s + u * u, 0);
  return { xs, vs, us, loss, reward: 1 / (1 + loss) };
}

/** render_trajectory: t, x_t, v_t, u_t aligned by step, `--` for the terminal step's control. */
export function trajectoryTable(r: PaperRollout, horizon: number): string {
  const f = (x: number) => pyFixed(x, 3).padStart(10);
  const lines = [`${'t'.padStart(3)}  ${'x_t'.padStart(10)}  ${'v_t'.padStart(10)}  ${'u_t'.padStart(10)}`];
  for (let t = 0; t < horizon; t++) lines.push(`${String(t).padStart(3)}  ${f(r.xs[t])}  ${f(r.vs[t])}  ${f(r.us[t])}`);
  lines.push(`${String(horizon).padStart(3)}  ${f(r.xs[horizon])}  ${f(r.vs[horizon])}  ${'--'.padStart(10)}`);
  return lines.join('\n');
}

// --- prompts ---

export const PAPER_CONTROL_SYSTEM = [
  'You are solving a one-dimensional optimal-control problem by designing a scalar feedback expression.',
  '',
  '## Environment Dynamics',
  '',
  'The state is `(x_t, v_t)`. At step `t`, the environment evaluates your expression using the current state and applies the resulting scalar control `u_t`. Controls are applied for `t = 0, 1, ..., T - 1`, and the terminal state `(x_T, v_T)` is evaluated after the final transition.',
  '',
  '```text',
  'v_(t+1) = a_env * v_t + b_env * u_t',
  'x_(t+1) = x_t + v_(t+1)',
  '```',
  '',
  'The numerical values of `a_env` and `b_env` are unknown and hidden from you.',
  'The control coefficient `b_env` may be positive or negative, so infer its sign from supplied hints or earlier-controller evidence rather than assuming a direction.',
  'The environment clips every evaluated control to `[-1, 1]`.',
  '',
  '## Shared Environment Evidence',
  '',
  'Related tasks in the same pack share the hidden `a_env` and `b_env`. Supplied hints and earlier-controller evidence may therefore help infer the shared dynamics. Earlier tasks can have different initial states, targets, and horizons, so reuse their control law only after adapting it to the current task.',
  '',
  '## Objective',
  '',
  '```text',
  'L = (x_T - x_target)^2',
  '  + 2 * (v_T - v_target)^2',
  '  + 0.03 * sum_t u_t^2',
  'R = 1 / (1 + L)',
  '```',
  '',
  'Maximize `R` by reaching the target position with the requested terminal velocity while avoiding unnecessary control effort.',
  '',
  '## Action Expression',
  '',
  'Submit one scalar expression. The environment reevaluates it at every step with these variables:',
  '',
  '- `x`: current position `x_t`',
  '- `v`: current velocity `v_t`',
  '- `t`: current integer step index',
  '- `x_target`: target position',
  '- `v_target`: target velocity',
  '- `horizon`: rollout horizon `T`',
  '- `remaining_steps`: `max(1, horizon - t)`',
  '',
  'Supported syntax:',
  '',
  '- finite numeric constants, including decimal and scientific notation',
  '- arithmetic operators: `+`, `-`, `*`, `/`, `**`',
  '- comparisons: `<`, `<=`, `>`, `>=`, `==`, `!=`',
  '- Boolean operators: `and`, `or`, `not`',
  '- conditional expression: `value_if_true if condition else value_if_false`',
  '- numeric functions: `abs(value)`, `min(values...)`, `max(values...)`, `pow(base, exponent)`, and `clip(value, lower, upper)`',
  '- XML-safe conditional functions: `ifelse(condition, value_if_true, value_if_false)` with `lt(a,b)`, `le(a,b)`, `gt(a,b)`, `ge(a,b)`, `eq(a,b)`, or `ne(a,b)`',
  '',
  'Normal arithmetic precedence applies. The final result must be one finite numeric scalar. The environment performs the final `[-1, 1]` clipping, so an outer `clip` is optional. Assignment and local variables are unsupported: write `0.3*(x_target-x)` directly, not `dx = x_target-x`. Statements, function definitions, imports, loops, comprehensions, containers, indexing, attributes, and all other function calls are also unsupported.',
  '',
  'A fixed signed-PD expression can be written as:',
  '',
  '```text',
  '0.25 * (x_target - x) + 0.32 * (v_target - v)',
  '```',
  '',
  'A time-varying expression can be written without XML escaping by using the XML-safe conditional functions:',
  '',
  '```text',
  '0.25 * (x_target - x) + ifelse(lt(t, horizon - 2), 0.5, 1.0) * (v_target - v)',
  '```',
  '',
  'Use `ifelse` with `lt/le/gt/ge/eq/ne` in the final XML whenever possible. Raw `<` and `<=` are also valid expression operators, but XML requires them to be escaped as `&lt;` and `&lt;=`. PDE equations normally need no escaping because they do not contain comparison operators.',
  '',
  '<answer>',
  '  <action_expression>',
  '    0.25 * (x_target - x) + ifelse(lt(t, horizon - 2), 0.5, 1.0) * (v_target - v)',
  '  </action_expression>',
  '</answer>',
  '',
  '## Response Contract',
  '',
  'Reason briefly about the inferred dynamics and feedback law, then end the response with exactly one `<answer><action_expression>...</action_expression></answer>` submission.',
  '',
  '- The final `<answer>` block must be unique and must end the response.',
  '- `<action_expression>` must contain only expression text and no nested XML elements.',
  '- Do not output Python functions, assignments, JSON, Markdown code fences, multiple candidate expressions, additional XML actions, or text after `</answer>`.',
  '- Do not expose or assume numerical values for hidden dynamics without evidence. Use the disclosed sign of `b_env` when one is provided.',
].join('\n');

export interface PaperControlTask {
  readonly horizon: number;
  readonly x0: number;
  readonly v0: number;
  readonly xTarget: number;
  readonly vTarget: number;
  readonly penalty: number;
}

/** The latest earlier controller of the pack that ran to the end, with its measurements. */
export interface Evidence {
  readonly expression: string;
  readonly task: PaperControlTask;
  readonly reward: number;
  readonly xFinal: number;
  readonly vFinal: number;
}

/** user.jinja2, then the earlier-controller evidence (_build_user_prompt). */
export function paperUserPrompt(task: PaperControlTask, evidence: Evidence | null): string {
  const f = (x: number) => pyFixed(x, 3);
  let text =
    `Initial state: x_0 = ${f(task.x0)}, v_0 = ${f(task.v0)}.\n` +
    `Target state: x_target = ${f(task.xTarget)}, v_target = ${f(task.vTarget)}.\n` +
    `The rollout has ${task.horizon} steps (t = 0, 1, ..., ${task.horizon - 1}).\n\n` +
    'Think briefly about the feedback law, then end with exactly one `<answer><action_expression>...</action_expression></answer>` submission.';
  if (evidence) {
    const e = evidence.task;
    text +=
      '\n\n## Controller evidence from an earlier task\n\n' +
      'The expression and measurements below come from an earlier, different task in the same hidden environment. ' +
      'They are not rollout results for the current task. Use them only as evidence about the shared hidden ' +
      'dynamics and controller behavior.\n\n' +
      `- Earlier initial state: x0=${pyRepr(e.x0)}, v0=${pyRepr(e.v0)}\n` +
      `- Earlier target: x_target=${pyRepr(e.xTarget)}, v_target=${pyRepr(e.vTarget)}\n` +
      `- Earlier horizon: ${e.horizon}\n` +
      '- Completed that earlier rollout: yes\n' +
      `- Reward on that earlier task: ${formatReward(evidence.reward)}\n` +
      `- Signed terminal position residual x_T - x_target: ${f(evidence.xFinal - e.xTarget)}\n` +
      `- Signed terminal velocity residual v_T - v_target: ${f(evidence.vFinal - e.vTarget)}\n` +
      '- Main behavior: The expression completed the earlier rollout.\n\n' +
      'Action expression used on that earlier task:\n\n' +
      `${controllerXml(evidence.expression)}\n\n` +
      'Adapt the expression to the current initial state, target, and horizon, or submit a new one if it performed poorly.';
  }
  return text;
}

// --- the pack and the episode ---

export class PaperControlPack {
  readonly a: number;
  readonly b: number;
  /** The latest controller that ran, carried from task to task; a task 0 clears it. */
  evidence: Evidence | null = null;

  constructor(seed: string) {
    const rng = Rng.of('control/paper-pack', seed);
    this.a = rng.uniform(0.55, 1.2);
    this.b = sampleB(rng, -1.5, 1.5, 0.35);
  }
}

/** One dataset row (get_optimal_control_data.py, difficulty hard). */
export function paperControlTask(p: PaperControlParams, seed: string, preset: string, index: number): PaperControlTask {
  const rng = Rng.of('control/paper-task', seed, preset, index);
  return {
    horizon: p.horizon,
    x0: rng.uniform(p.minX0, p.maxX0),
    v0: rng.uniform(p.minV0, p.maxV0),
    xTarget: rng.uniform(p.minTarget, p.maxTarget),
    vTarget: p.vTarget,
    penalty: p.penalty,
  };
}

export class PaperControlEpisode extends SolveEpisode {
  readonly maxTurns = 1;
  private readonly evidence: Evidence | null;
  private result: {
    rows: StepRow[];
    reward: number;
    status: 'ok' | 'parse_error' | 'eval_error';
    expression: string;
    error: string;
  } | null = null;

  constructor(
    readonly taskId: string,
    private readonly pack: PaperControlPack,
    private readonly task: PaperControlTask,
  ) {
    super();
    this.evidence = pack.evidence;
  }

  rules(): string {
    return PAPER_CONTROL_SYSTEM;
  }

  observation(): string {
    return paperUserPrompt(this.task, this.evidence);
  }

  turnsUsed(): number {
    return this.end ? 1 : 0;
  }

  view(): ControlView {
    const prev: PreviousAttempt | null = this.evidence
      ? {
          expression: this.evidence.expression,
          status: 'ok',
          reward: this.evidence.reward,
          finalX: this.evidence.xFinal,
          finalV: this.evidence.vFinal,
        }
      : null;
    return {
      domain: 'control',
      taskId: this.taskId,
      turn: this.turnsUsed(),
      maxTurns: 1,
      horizon: this.task.horizon,
      x0: this.task.x0,
      v0: this.task.v0,
      xTarget: this.task.xTarget,
      vTarget: this.task.vTarget,
      previous: prev,
      result: this.result ? { ...this.result, loss: null } : null,
      done: this.end !== undefined,
    };
  }

  /** _build_rollout_trajectory. */
  private trajectory(policy: string | null, response: string): string {
    const label =
      policy !== null ? 'Submitted action expression' : 'Raw agent response; no valid action expression was extracted';
    return `System:\n${this.rules()}\n\nTask:\n${this.observation()}\n\n${label}:\n${policy ?? response}`;
  }

  protected play(action: string, response?: string): StepResult {
    const raw = response ?? `<answer>${action}</answer>`;
    const sub = parseSubmission(typeof action === 'string' ? action : '', response);
    if (!sub.ok) return this.formatFailure(sub.detail, raw);
    const run = rollout(sub.tree, this.pack, this.task);
    const xml = controllerXml(sub.expression);
    if ('error' in run) {
      this.result = { rows: [], reward: 0, status: 'eval_error', expression: sub.expression, error: run.error };
      return this.finish(
        'failure',
        0,
        `Invalid policy: ${run.error}. Controller evaluation stopped when the expression failed; no complete trajectory ` +
          'or loss was returned, and reward was forced to 0.',
        this.trajectory(xml, raw),
      );
    }
    const H = this.task.horizon;
    this.result = {
      rows: run.xs.map((x, t) => ({ t, x, v: run.vs[t], u: t < H ? run.us[t] : null })),
      reward: run.reward,
      status: 'ok',
      expression: sub.expression,
      error: '',
    };
    // The pack keeps the latest controller that ran for the next task's evidence.
    this.pack.evidence = {
      expression: sub.expression,
      task: this.task,
      reward: run.reward,
      xFinal: run.xs[H],
      vFinal: run.vs[H],
    };
    const f = (x: number) => pyFixed(x, 3);
    const summary = [
      'Terminal state:',
      `x_${H} = ${f(run.xs[H])}, v_${H} = ${f(run.vs[H])}.`,
      'Target:',
      `x_target = ${f(this.task.xTarget)}, v_target = ${f(this.task.vTarget)}.`,
      'Loss and reward:',
      `L = ${f(run.loss)}, R = ${formatReward(run.reward)}.`,
    ].join('\n');
    return this.finish(
      'success',
      run.reward,
      `The environment executed the submitted policy under the fixed hidden dynamics.\n\n${trajectoryTable(run, H)}\n\n${summary}`,
      this.trajectory(xml, raw),
    );
  }

  private formatFailure(detail: string, response: string): EndResult {
    this.result = { rows: [], reward: PARSE_FAILURE_REWARD, status: 'parse_error', expression: '', error: detail };
    return this.finish(
      'format_error',
      PARSE_FAILURE_REWARD,
      'Invalid controller submission: expected exactly one terminal ' +
        `<answer><action_expression>...</action_expression></answer> block (${detail}). The environment was not ` +
        `executed and reward was set to ${PARSE_FAILURE_REWARD}.`,
      this.trajectory(null, response),
    );
  }

  /** A response without one valid answer block: parse_xml_answer's "expected_exactly_one_answer_tag". */
  protected failFormat(reason: string, response?: string): EndResult {
    const detail =
      response !== undefined && response.includes('```')
        ? 'python_or_markdown_code_is_not_allowed'
        : /empty/.test(reason)
          ? 'invalid_answer_xml'
          : 'expected_exactly_one_answer_tag';
    return this.formatFailure(detail, response ?? '');
  }

  /** The reference's episode has no observation after its one turn. */
  protected override again(end: EpisodeEnd): EndResult {
    return { done: true, ...end };
  }

  private finish(outcome: Outcome, reward: number, feedback: string, trajectory: string): EndResult {
    this.end = { outcome, success: outcome === 'success', reward, feedback, trajectory };
    return { done: true, ...this.end };
  }
}
