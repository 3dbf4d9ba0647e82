/** The lifecycle runner's settings, with the method's defaults and validation of untrusted config. */
import { CodError } from '../base/errors.ts';
import type { Rendering } from '../envs/sdk.ts';
import { PAPER_PDE_UPDATE_USER } from './paper-prompts.ts';
import { PROTOCOLS, resolvePrompts, type PromptTemplates, type Protocol } from './prompts.ts';
import { MEMORY_MODES, type MemoryMode } from './records.ts';

export interface LifecycleConfig {
  readonly rendering: Rendering;
  /**
   * 'workbench' (default): the workbench's own prompts and rules. 'paper': the reference implementation's — its
   * prompt text (chat), an empty hints block is a parse failure, z_0 shown as `Hints: null` in the update prompt, no
   * stop strings, the soft length line in both prompts, PDE's update prompt without its `Reward:` line.
   */
  readonly protocol: Protocol;
  readonly prompts: PromptTemplates;
  /** Templates that replace `prompts` for one domain (paper: PDE's update prompt). */
  readonly domainPrompts: Readonly<Record<string, PromptTemplates>>;
  /** 'notes': the model rewrites z after each task (the method); 'none': z = "Hints: null" every task;
   * 'append_log': z = the truncated log of past trajectories (both baselines make no update calls). */
  readonly memory: MemoryMode;
  /** Character budget of the context body under 'append_log' (the notes' budget, for a fair comparison). */
  readonly memoryCharBudget: number;
  readonly solveMaxNewTokens: number;
  readonly updateMaxNewTokens: number;
  /**
   * Soft "limit your response to N tokens" instruction; undefined = off. The workbench's templates put it in the
   * solve prompt only, the paper's in both prompts.
   */
  readonly lengthInstructionTokens?: number;
  /** Budgets that replace the three above for one domain (paper, chat: PDE, Optimal Control, Grid Navigation; see budgetsFor). */
  readonly domainBudgets: Readonly<Record<string, ResponseBudgets>>;
}

/** The response budgets a lifecycle of one domain uses. */
export interface ResponseBudgets {
  readonly solveMaxNewTokens: number;
  readonly updateMaxNewTokens: number;
  readonly lengthInstructionTokens?: number;
}

/** Training rollouts or evaluations: they may differ in the soft length line (the paper: 1000 vs 1500). */
export type LifecyclePhase = 'train' | 'eval';

export interface LifecycleConfigInput {
  readonly rendering?: Rendering;
  readonly protocol?: Protocol;
  /** Curriculum overrides of the rendering's default templates. */
  readonly prompts?: unknown;
  readonly memory?: MemoryMode;
  readonly memoryCharBudget?: number;
  readonly solveMaxNewTokens?: number;
  readonly updateMaxNewTokens?: number;
  /** Set: every domain's length line (paper defaults otherwise: per phase and domain). */
  readonly lengthInstructionTokens?: number;
  /** Which of the paper's default budgets apply: training's or evaluation's (default 'train'). */
  readonly phase?: LifecyclePhase;
}

const TOKENS: Readonly<Record<Rendering, { solve: number; update: number }>> = {
  // Chat models reason before answering; the compact built-in model answers tersely.
  chat: { solve: 1024, update: 1024 },
  compact: { solve: 128, update: 256 },
};

/** One phase's budgets: hard new tokens per response (`model.max_response_tokens`) and the soft length line. */
interface PhaseBudgets {
  readonly maxNewTokens: number;
  readonly lengthTokens: number;
}

interface PaperBudgets {
  readonly train: PhaseBudgets;
  readonly eval: PhaseBudgets;
}

/**
 * The paper's budgets (chat): 2000 tokens hard for every response (`model.max_response_tokens`), a soft length line
 * of 1000 in training (`max_response_tokens_restraint`; exp_plan_final/train/frozen_lake_obscure.yaml @ 041ef5cf,
 * mixed_flobs_alchran.yaml @ 0333f933) and 1500 in evaluation (bench/eval_terminal.yaml and eval_alchemy_easy.yaml
 * @ 1d7fae4a, eval_alchemy_hard.yaml @ 139d1c43, shiweijiezero/Trinity-RFT eval_frozenlake_obscure_hard.yaml
 * @ 622ba7ee). FrozenLake, Alchemy and Terminal use these (Terminal has no training config: OOD eval only).
 */
export const PAPER_BUDGETS: PaperBudgets = {
  train: { maxNewTokens: 2000, lengthTokens: 1000 },
  eval: { maxNewTokens: 2000, lengthTokens: 1500 },
};

/**
 * Domains whose reference configs (the Qwen3.6-27B runs) set other budgets, for solve and update responses alike;
 * evaluations follow bench/eval_source_checkpoints_all_domains.yaml @ 1d7fae4a (`max_response_tokens` 4000,
 * `max_response_tokens_restraint` 4000 for PDE, Optimal Control and Grid Navigation). Training:
 * - pde: exp_plan_final/train/pde_discovery_cod_600steps_hard.yaml @ 139d1c43, 4000 hard, length line 4000;
 * - control: train/optimal_control_improve.yaml @ 1d7fae4a, 4000 hard, length line 4000;
 * - gridnav: train/grid_navigation_27b.yaml @ 139d1c43 (the config the README trains, whose map parameters the
 *   `paper` preset follows), 3999 hard (its max_model_len 26000 = 22000 prompt + 3999 + 1), length line 4000.
 * A curriculum's explicit budgets still apply to every domain, as the reference's one config does.
 */
export const PAPER_DOMAIN_BUDGETS: Readonly<Record<string, PaperBudgets>> = {
  pde: { train: { maxNewTokens: 4000, lengthTokens: 4000 }, eval: { maxNewTokens: 4000, lengthTokens: 4000 } },
  control: { train: { maxNewTokens: 4000, lengthTokens: 4000 }, eval: { maxNewTokens: 4000, lengthTokens: 4000 } },
  gridnav: { train: { maxNewTokens: 3999, lengthTokens: 4000 }, eval: { maxNewTokens: 4000, lengthTokens: 4000 } },
};

export const DEFAULT_MEMORY_CHAR_BUDGET = 2000;

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new CodError('bad_config', `must be a positive integer, got ${String(v)}`, name);
  return v;
}

/** Domains whose update prompt differs under the paper protocol (the reference's `update_context_impl`). */
function paperDomainPrompts(
  rendering: Rendering,
  prompts: PromptTemplates,
  overrides: unknown,
): Record<string, PromptTemplates> {
  const userSet =
    typeof overrides === 'object' && overrides !== null && Object.hasOwn(overrides as object, 'updateUser');
  if (userSet) return {};
  // Compact has no reference text: its own update prompt less the reward line.
  const pdeUser = rendering === 'chat' ? PAPER_PDE_UPDATE_USER : prompts.updateUser.replace('Reward: {reward}\n', '');
  return { pde: { ...prompts, updateUser: pdeUser } };
}

export function lifecycleConfig(input: LifecycleConfigInput = {}): LifecycleConfig {
  const rendering = input.rendering ?? 'chat';
  if (rendering !== 'chat' && rendering !== 'compact')
    throw new CodError('bad_config', `unknown rendering '${String(rendering)}' (chat, compact)`, 'rendering');
  const protocol = input.protocol ?? 'workbench';
  if (!PROTOCOLS.includes(protocol))
    throw new CodError('bad_config', `unknown protocol '${String(protocol)}' (${PROTOCOLS.join(', ')})`, 'protocol');
  const memory = input.memory ?? 'notes';
  if (!MEMORY_MODES.includes(memory))
    throw new CodError('bad_config', `unknown memory mode '${String(memory)}' (${MEMORY_MODES.join(', ')})`, 'memory');
  const prompts = resolvePrompts(rendering, input.prompts, protocol);
  const paperChat = protocol === 'paper' && rendering === 'chat';
  const phase = input.phase ?? 'train';
  if (phase !== 'train' && phase !== 'eval')
    throw new CodError('bad_config', `unknown phase '${String(phase)}' (train, eval)`, 'phase');
  const paperDefaults = (b: PaperBudgets): BudgetDefaults => ({
    solve: b[phase].maxNewTokens,
    update: b[phase].maxNewTokens,
    length: b[phase].lengthTokens,
  });
  const own = responseBudgets(input, paperChat ? paperDefaults(PAPER_BUDGETS) : TOKENS[rendering]);
  const domainBudgets: Record<string, ResponseBudgets> = {};
  if (paperChat)
    for (const [domain, b] of Object.entries(PAPER_DOMAIN_BUDGETS))
      domainBudgets[domain] = responseBudgets(input, paperDefaults(b));
  return {
    rendering,
    protocol,
    prompts,
    domainPrompts: protocol === 'paper' ? paperDomainPrompts(rendering, prompts, input.prompts) : {},
    memory,
    memoryCharBudget: positiveInt(input.memoryCharBudget ?? DEFAULT_MEMORY_CHAR_BUDGET, 'memoryCharBudget'),
    ...own,
    domainBudgets,
  };
}

interface BudgetDefaults {
  readonly solve: number;
  readonly update: number;
  readonly length?: number;
}

/** Explicit budgets win; the defaults fill the rest. */
function responseBudgets(input: LifecycleConfigInput, d: BudgetDefaults): ResponseBudgets {
  const length = input.lengthInstructionTokens ?? d.length;
  return {
    solveMaxNewTokens: positiveInt(input.solveMaxNewTokens ?? d.solve, 'solveMaxNewTokens'),
    updateMaxNewTokens: positiveInt(input.updateMaxNewTokens ?? d.update, 'updateMaxNewTokens'),
    ...(length !== undefined ? { lengthInstructionTokens: positiveInt(length, 'lengthInstructionTokens') } : {}),
  };
}

/** The budgets a lifecycle of `domain` uses. */
export function budgetsFor(config: LifecycleConfig, domain: string): ResponseBudgets {
  if (Object.hasOwn(config.domainBudgets, domain)) return config.domainBudgets[domain];
  const { solveMaxNewTokens, updateMaxNewTokens, lengthInstructionTokens } = config;
  return {
    solveMaxNewTokens,
    updateMaxNewTokens,
    ...(lengthInstructionTokens !== undefined ? { lengthInstructionTokens } : {}),
  };
}

/** The most new tokens any call of this config may ask for (a backend's generation budget). */
export function maxNewTokensOf(config: LifecycleConfig): number {
  const all = [config, ...Object.values(config.domainBudgets)];
  return Math.max(...all.flatMap((b) => [b.solveMaxNewTokens, b.updateMaxNewTokens]));
}

/** The templates a lifecycle uses for one domain. */
export function promptsFor(config: LifecycleConfig, domain: string): PromptTemplates {
  return Object.hasOwn(config.domainPrompts, domain) ? config.domainPrompts[domain] : config.prompts;
}
