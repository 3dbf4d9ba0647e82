/**
 * The environment SDK: what every CoD domain implements (built-in ones and third-party plugins alike).
 *
 * An environment sees text in, text out; it knows nothing of models. A *pack* is one environment instance
 * (hidden structure derived from the pack seed) plus any state the domain keeps across the pack's tasks.
 * Everything is deterministic given (pack seed, preset, task index, actions).
 */
import type { HistoryCompression } from './history-compression.ts';

/** `chat`: full natural-language prompts for real LLMs. `compact`: terse, same information and action syntax. */
export type Rendering = 'chat' | 'compact';

export type { HistoryCompression };

export interface DomainInfo {
  /** Stable id used in curricula and CLIs, e.g. 'frozenlake'. */
  readonly id: string;
  readonly title: string;
  /** One paragraph: what is hidden per pack and what feedback reveals it. */
  readonly description: string;
  /** Difficulty presets the domain ships, e.g. ['train', 'easy', 'hard']. */
  readonly presets: readonly string[];
  readonly defaultPreset: string;
}

export interface OpenPackArgs {
  /** Stable pack seed (hex of a sha256; see main/envs/seed.ts). */
  readonly seed: string;
  readonly preset: string;
  readonly rendering: Rendering;
  /** Domain-specific overrides of the preset (validated by the domain; unknown keys are an error). */
  readonly options?: Readonly<Record<string, unknown>>;
  /**
   * How many tasks the lifecycle will play from this pack (S), when known. A domain whose per-pack schedule depends
   * on it (the paper's Alchemy draws S targets) may use it; the others ignore it.
   */
  readonly packSize?: number;
  /**
   * The pack's index within its dataset (an eval suite's pack 0, 1, …), when known. A preset whose reference
   * assigns hidden structure by pack index (the paper PDE bench: template = pack index mod 25) uses it; the others
   * ignore it.
   */
  readonly packIndex?: number;
}

export interface Domain extends DomainInfo {
  /** Build the pack's instance. Throws CodError('bad_config') on an unknown preset or bad option. */
  openPack(args: OpenPackArgs): Pack;
}

export interface Pack {
  readonly domain: string;
  readonly seed: string;
  /**
   * Start a fresh episode of task `index` (deterministic in seed + index). Calling it twice with the same index
   * gives the same task again (the Ralph loop); state the domain keeps across the pack (revealed cells, evidence)
   * lives in the Pack and carries over.
   */
  startTask(index: number): TaskEpisode;
}

export type Outcome =
  | 'success'
  | 'failure' // e.g. fell into a hole, wrong final state
  | 'out_of_turns'
  | 'out_of_resources'
  | 'illegal_action'
  | 'format_error';

/** Every Outcome, for the checks at the boundary (a plugin's result, a test's). */
export const OUTCOMES: readonly Outcome[] = [
  'success',
  'failure',
  'out_of_turns',
  'out_of_resources',
  'illegal_action',
  'format_error',
];

export interface EpisodeEnd {
  /** Final task reward r^x (shaping included, see shapedReward). */
  readonly reward: number;
  readonly outcome: Outcome;
  readonly success: boolean;
  /** The final environment feedback string shown in the update-context prompt. */
  readonly feedback: string;
  /**
   * Built-in paper presets whose reference builds the update prompt's trajectory itself (docs/fidelity.md): the
   * whole trajectory text, used in place of the rendered rules and steps under the paper protocol.
   */
  readonly trajectory?: string;
  /** Likewise: text the reference appends after the rendered steps (e.g. a final state). */
  readonly trajectorySuffix?: string;
}

export type StepResult =
  | { readonly done: false; readonly observation: string }
  | ({ readonly done: true; readonly observation?: string } & EpisodeEnd);

export interface TaskEpisode {
  /** Short stable id of the task inside its pack, e.g. 'frozenlake/ab12cd/3'. */
  readonly taskId: string;
  readonly maxTurns: number;
  /**
   * Optional, for presets whose reference shortens old turns of the running conversation (the paper's PDE): how
   * the lifecycle shows earlier user turns in each solve request. Absent: every turn whole.
   */
  readonly historyCompression?: HistoryCompression;
  /** The task rules: the system prompt of the solve episode, without any hint section. */
  rules(): string;
  /** The observation the agent sees now (the next user turn). */
  observation(): string;
  /**
   * Apply one action: `action` is the text between the `<answer>` tags (already extracted by the lifecycle runner).
   * An action the domain cannot parse or that is illegal ends the episode (outcome 'format_error' or
   * 'illegal_action'). Must never throw on any string input. `response` is the whole model response the action came
   * from, for the few paper presets whose reference checks the response around the answer block (in-process
   * domains only; a sandboxed plugin never gets it).
   */
  step(action: string, response?: string): StepResult;
  /** Called by the runner when the model's response had no valid `<answer>` block (`response`: as in step). */
  formatError(reason: string, response?: string): EpisodeEnd;
  /** Turns taken so far. */
  turnsUsed(): number;
  /**
   * Structured public view of the current observation (same information as the text, nothing hidden).
   * Used by the scripted agents and the UI; never contains the pack's hidden structure.
   */
  view(): Readonly<Record<string, unknown>>;
}

/** `r = outcome - 0.1 * turns_used / max_turns` on success, the paper's shaping (cod-method.md §2). */
export function shapedReward(success: boolean, turnsUsed: number, maxTurns: number): number {
  return success ? 1 - (0.1 * turnsUsed) / maxTurns : 0;
}

/**
 * Scripted reference agents (cod-method / environments.md "CoD-ness check"). One instance per lifecycle.
 * They see exactly what an LLM would (the public view and their own notes) — never the hidden structure.
 * - 'oracle': infers the hidden structure from feedback, writes it into its notes, reads notes back next task.
 *   The "empty context" baseline is the same oracle run by the lifecycle runner with memory disabled.
 * - 'random': a random well-formed action each turn; writes no useful notes.
 */
export type ScriptedAgentKind = 'oracle' | 'random';

export interface ScriptedAgentArgs {
  readonly kind: ScriptedAgentKind;
  /** Seed for the agent's own randomness. */
  readonly seed: string;
  /**
   * Note-taking imperfection in [0, 1]: the probability that each fact the oracle would write is dropped or
   * corrupted. 0 = perfect notes. Used to make warm-start data that leaves room for RL.
   */
  readonly noteNoise: number;
}

export interface ScriptedAgent {
  /**
   * Choose the next action. `hints` is the current context z exactly as the model would see it (e.g.
   * "Hints: null" or "Hints: - code 1 = Down ..."). Returns the action text that goes inside `<answer>` tags.
   */
  act(hints: string, view: Readonly<Record<string, unknown>>): string;
  /**
   * Optional: a short line of reasoning behind the last `act()`, written before the `<answer>` block. It shows a
   * model warm-started on the agent's traces the steps of the decision, not only its result.
   */
  thought?(): string;
  /**
   * Write the updated notes after a task: the Markdown body that goes between the hint delimiters.
   * `finalView` is the episode's last view, `end` how it ended.
   */
  writeNotes(prevHints: string, finalView: Readonly<Record<string, unknown>>, end: EpisodeEnd): string;
}

/** A domain that ships scripted agents (every built-in does). */
export interface DomainWithAgents extends Domain {
  scriptedAgent(args: ScriptedAgentArgs): ScriptedAgent;
}
