/**
 * The paper's Grid Navigation (presets 'paper', 'paper-hard'), as the reference plays it: agentscope-ai/Trinity-RFT
 * trinity/common/workflows/connect_the_dots/grid_navigation/ @ 139d1c43 —
 * - env.py: _generate_landscape_costs (Gaussian hills on a [0,1] lattice, rotated anisotropic scales, amplitude
 *   0.8-1.2, costs rint(99 · normalised²)), GridNavigationPackState (map and revealed cells shared by the pack; a
 *   task 0 starts a fresh state, so a Ralph pack, all task 0, starts each attempt unrevealed), generate_task (an
 *   exact number of rounds and a goal reached by a random rook walk of that length), GridNavigationEnv.step;
 * - workflow.py: parse_action (`row,col`), the invalid-action messages, the move feedback, _get_feedback and
 *   _build_trajectory (the final state appended to the trajectory);
 * - prompts/system.jinja2 and user.jinja2 (trim_blocks, lstrip_blocks).
 * Presets from exp_plan_final/train/grid_navigation_27b.yaml (8-12, 4 components, scales 0.15-0.45, 3-5 rounds)
 * and the eval of bench/eval_source_checkpoints_all_domains.yaml @ 1d7fae4a (10-14, 5 components). No turn shaping
 * (length_penalty_coef 0). The random stream is the workbench's; the procedure is the reference's. One departure:
 * the reference keeps pack states in a process-wide table keyed by pack seed, so the G rollouts of one pack in one
 * batch share (and race on) one map of revealed cells; here every lifecycle has its own.
 */
import { Rng } from '../../seed.ts';
import type { Outcome, Rendering, StepResult } from '../../sdk.ts';
import type { Cell } from '../shared/grid.ts';
import { SolveEpisode, type EndResult } from '../shared/solve-episode.ts';
import { roundHalfEven } from '../alchemy/paper-instance.ts';
import { observationText, rulesText } from './render.ts';
import type { GridNavView } from './view.ts';

export interface PaperGridParams {
  readonly minSize: number;
  readonly maxSize: number;
  readonly components: number;
  readonly minScale: number;
  readonly maxScale: number;
  readonly minRounds: number;
  readonly maxRounds: number;
  readonly revealRadius: number;
}

export const PAPER_GRID_PRESETS: Readonly<Record<string, PaperGridParams>> = {
  paper: {
    minSize: 8,
    maxSize: 12,
    components: 4,
    minScale: 0.15,
    maxScale: 0.45,
    minRounds: 3,
    maxRounds: 5,
    revealRadius: 1,
  },
  'paper-hard': {
    minSize: 10,
    maxSize: 14,
    components: 5,
    minScale: 0.15,
    maxScale: 0.45,
    minRounds: 3,
    maxRounds: 5,
    revealRadius: 1,
  },
};

/** _generate_landscape_costs. */
export function landscapeCosts(rng: Rng, size: number, p: PaperGridParams): number[][] {
  const coord = (i: number) => (size === 1 ? 0 : i / (size - 1));
  const land = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let k = 0; k < p.components; k++) {
    const cr = rng.uniform(0, 1);
    const cc = rng.uniform(0, 1);
    const long = rng.uniform(p.minScale, p.maxScale);
    const short = rng.uniform(p.minScale, long);
    const angle = rng.uniform(0, Math.PI);
    const amp = rng.uniform(0.8, 1.2);
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const dr = coord(r) - cr;
        const dc = coord(c) - cc;
        const l = cos * dr + sin * dc;
        const s = -sin * dr + cos * dc;
        land[r][c] += amp * Math.exp(-0.5 * ((l / long) ** 2 + (s / short) ** 2));
      }
    }
  }
  const flat = land.flat();
  const min = Math.min(...flat);
  const span = Math.max(...flat) - min;
  // np.rint rounds halves to even.
  return land.map((row) => row.map((v) => (span === 0 ? 0 : roundHalfEven(99 * ((v - min) / span) ** 2))));
}

/** The pack's map and revealed cells. */
export class PaperGridPack {
  readonly costs: number[][];
  revealed: boolean[][];

  constructor(p: PaperGridParams, seed: string, preset: string) {
    const rng = Rng.of('gridnav/paper-pack', seed, preset);
    const size = rng.int(p.minSize, p.maxSize);
    this.costs = landscapeCosts(rng, size, p);
    this.revealed = this.costs.map((row) => row.map(() => false));
  }

  get size(): number {
    return this.costs.length;
  }

  /** get_pack_state: task 0 starts from a fresh state. */
  resetRevealed(): void {
    this.revealed = this.costs.map((row) => row.map(() => false));
  }

  reveal(path: readonly Cell[], radius: number): void {
    for (const [r, c] of path) {
      for (let i = Math.max(0, r - radius); i < Math.min(this.size, r + radius + 1); i++) {
        for (let j = Math.max(0, c - radius); j < Math.min(this.size, c + radius + 1); j++) this.revealed[i][j] = true;
      }
    }
  }

  /** render(): row and column labels, known costs, `?` elsewhere. */
  render(): string {
    const header = '     ' + this.costs.map((_, c) => String(c).padStart(3)).join('');
    const rows = this.costs.map(
      (row, r) =>
        String(r).padStart(3) + '  ' + row.map((v, c) => (this.revealed[r][c] ? String(v) : '?').padStart(3)).join(''),
    );
    return [header, ...rows].join('\n');
  }
}

export interface PaperGridTask {
  readonly start: Cell;
  readonly goal: Cell;
  readonly rounds: number;
}

/** generate_task: a random rook walk of exactly `rounds` moves, redrawn until it ends away from its start. */
export function paperGridTask(
  p: PaperGridParams,
  size: number,
  seed: string,
  preset: string,
  index: number,
): PaperGridTask {
  const rng = Rng.of('gridnav/paper-task', seed, preset, index);
  const rounds = rng.int(p.minRounds, p.maxRounds);
  const other = (current: number) => {
    const v = rng.int(0, size - 2);
    return v >= current ? v + 1 : v;
  };
  for (;;) {
    const start: Cell = [rng.int(0, size - 1), rng.int(0, size - 1)];
    let cur: Cell = start;
    for (let k = 0; k < rounds; k++) cur = rng.int(0, 1) === 0 ? [cur[0], other(cur[1])] : [other(cur[0]), cur[1]];
    if (cur[0] !== start[0] || cur[1] !== start[1]) return { start, goal: cur, rounds };
  }
}

export const paperSystemPrompt = (radius: number): string =>
  [
    'You are navigating a two-dimensional cost grid. Your goal is to finish the final round exactly at the target position while keeping the normalized navigation loss low.',
    '',
    '## Grid and observations',
    '- Rows and columns use zero-based indices.',
    '- Every cell has a fixed integer cost from 0 to 99.',
    '- Unknown costs are shown as `?`. Observed costs are shown as integers.',
    '- The current task belongs to a stream of tasks within the same environment. Every task in this stream shares the same fixed cost grid.',
    `- After each move, the environment reveals every cell whose Chebyshev distance from an entered cell is at most ${radius}. These observations are retained automatically in later rounds and later tasks in the stream.`,
    '',
    '## Movement rules',
    '- The task has a fixed number of rounds, and you must take exactly one move per round.',
    '- A move selects any other cell in the same row or the same column as your current position.',
    '- You may cross any positive number of cells up to the grid boundary.',
    '- The entered cells include every crossed cell and the destination, but not the starting cell of the move.',
    '- Reaching the target before the final round does not end the task. You must continue moving and be at the target when the final round ends.',
    '',
    '## Loss and reward',
    'Let V be the list of all entered cells over all rounds. Repeated visits appear in V repeatedly. The mean entered-cell cost and normalized loss are:',
    '',
    'mean_cost = sum(cost(v) for v in V) / |V|',
    'loss = mean_cost / 100 = sum(cost(v) for v in V) / (100 * |V|)',
    '',
    'The loss depends on the mean cost, not the total cost. There is no separate penalty for path length or the number of entered cells, so entering fewer cells is not inherently better. A longer route can lower the final loss when the additional cells are cheaper than the running mean, while an expensive detour raises it. Do not default to a conventional shortest-path or minimum-total-cost objective.',
    '',
    '- If your position after the final round is exactly the target, reward = 1 - loss.',
    '- Otherwise, reward = 0.',
    '- An invalidly formatted or illegal move ends the task with reward 0.',
    '',
    'Explore broadly across the full grid over the stream of tasks instead of observing only a short corridor to the current target. As the map becomes more complete, exploit the structure of the cost grid to improve both the current route and later routes.',
    '',
    '## Response format',
    'Think concisely about the move, then give exactly one destination. Format your response as follows:',
    '',
    '(your thinking process goes here)',
    '<answer>row,col</answer>',
  ].join('\n');

/** Python's repr of a (row, col) tuple. */
const tuple = (c: Cell) => `(${c[0]}, ${c[1]})`;

export class PaperGridEpisode extends SolveEpisode {
  private position: Cell;
  private rounds = 0;
  private readonly entered: number[] = [];
  private lastPath: Cell[] = [];
  private feedback: string | null = null;

  constructor(
    readonly taskId: string,
    private readonly pack: PaperGridPack,
    private readonly task: PaperGridTask,
    private readonly radius: number,
    private readonly rendering: Rendering,
  ) {
    super();
    this.position = task.start;
  }

  get maxTurns(): number {
    return this.task.rounds;
  }

  private loss(): number {
    return this.entered.length === 0 ? 0 : this.entered.reduce((a, b) => a + b, 0) / (100 * this.entered.length);
  }

  rules(): string {
    return this.rendering === 'chat'
      ? paperSystemPrompt(this.radius)
      : rulesText('compact', { rounds: this.task.rounds, radius: this.radius, persistent: true });
  }

  observation(): string {
    if (this.rendering !== 'chat') return observationText('compact', this.view());
    const [p, g] = [this.position, this.task.goal];
    return (
      `Round ${this.rounds + 1}/${this.task.rounds}\n${this.feedback ? `\n${this.feedback}\n` : ''}\n` +
      `Current position: (${p[0]},${p[1]})\nTarget position: (${g[0]},${g[1]})\n\n` +
      `Observed cost grid:\n${this.pack.render()}\n\n` +
      'Choose one legal destination for this round.\nRemember to follow every requirement in the `## Movement rules` section.'
    );
  }

  turnsUsed(): number {
    return this.rounds;
  }

  view(): GridNavView {
    return {
      domain: 'gridnav',
      taskId: this.taskId,
      turn: this.rounds,
      maxTurns: this.task.rounds,
      size: this.pack.size,
      position: this.position,
      goal: this.task.goal,
      costs: this.pack.costs.map((row, r) => row.map((v, c) => (this.pack.revealed[r][c] ? v : null))),
      lastPath: this.lastPath,
      enteredCount: this.entered.length,
      enteredCostSum: this.entered.reduce((a, b) => a + b, 0),
      persistent: true,
      done: this.end !== undefined,
    };
  }

  protected play(action: string): StepResult {
    const m = typeof action === 'string' ? /^\s*(-?\d+)\s*,\s*(-?\d+)\s*$/.exec(action) : null;
    if (!m) return this.invalid('expected exactly one <answer>row,col</answer> destination.', 'format_error');
    const dest: Cell = [Number(m[1]), Number(m[2])];
    const [r, c] = dest;
    const [pr, pc] = this.position;
    const size = this.pack.size;
    // Python's int() of the digits, printed whole however long.
    const shown = `(${BigInt(m[1]).toString()},${BigInt(m[2]).toString()})`;
    if (!(r >= 0 && r < size && c >= 0 && c < size)) return this.invalid(`Destination ${shown} is outside the grid.`);
    if (r === pr && c === pc) return this.invalid('The destination must differ from the current position.');
    if (r !== pr && c !== pc) return this.invalid('The destination must be in the same row or the same column.');
    const path: Cell[] = [];
    if (r === pr)
      for (let k = pc + Math.sign(c - pc); k !== c + Math.sign(c - pc); k += Math.sign(c - pc)) path.push([r, k]);
    else for (let k = pr + Math.sign(r - pr); k !== r + Math.sign(r - pr); k += Math.sign(r - pr)) path.push([k, c]);
    this.entered.push(...path.map(([i, j]) => this.pack.costs[i][j]));
    this.pack.reveal(path, this.radius);
    this.position = dest;
    this.rounds++;
    this.lastPath = path;
    this.feedback =
      `You moved to (${r},${c}) through ${path.length} entered cells: ${path.map(([i, j]) => `(${i},${j})`).join(' -> ')}. ` +
      `Cumulative normalized loss: ${this.loss().toFixed(4)}.`;
    if (this.rounds < this.task.rounds) return { done: false, observation: this.observation() };
    const at = this.position[0] === this.task.goal[0] && this.position[1] === this.task.goal[1];
    const reward = at ? 1 - this.loss() : 0;
    const outcome = at
      ? `Success: finished round ${this.task.rounds} at the target. Normalized loss: ${this.loss().toFixed(4)}; reward: ${reward.toFixed(4)}.`
      : `Failed: after ${this.task.rounds} rounds, position ${tuple(this.position)} did not equal target ${tuple(this.task.goal)}. Reward: 0.`;
    return this.finish(at ? 'success' : 'failure', reward, outcome);
  }

  private invalid(message: string, outcome: Outcome = 'illegal_action'): EndResult {
    return this.finish(outcome, 0, `Invalid action: ${message} Game over.`);
  }

  protected failFormat(): EndResult {
    return this.finish(
      'format_error',
      0,
      'Invalid action: expected exactly one <answer>row,col</answer> destination. Game over.',
    );
  }

  private finish(outcome: Outcome, reward: number, text: string): EndResult {
    const grid = this.pack.render();
    return this.close({
      outcome,
      success: outcome === 'success',
      reward,
      feedback: `${text}\n\nFinal observed cost grid:\n${grid}`,
      // _build_trajectory: the final state after the steps.
      trajectorySuffix:
        `Final environment state:\nPosition: ${tuple(this.position)}\nTarget: ${tuple(this.task.goal)}\n` +
        `Normalized loss: ${this.loss().toFixed(4)}\nObserved cost grid:\n${grid}`,
    });
  }
}
