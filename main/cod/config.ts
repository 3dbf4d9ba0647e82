/** The lifecycle runner's settings, with the method's defaults and validation of untrusted config. */
import { CodError } from '../base/errors.ts';
import type { Rendering } from '../envs/sdk.ts';
import { resolvePrompts, type PromptTemplates } from './prompts.ts';
import { MEMORY_MODES, type MemoryMode } from './records.ts';

export interface LifecycleConfig {
  readonly rendering: Rendering;
  readonly prompts: PromptTemplates;
  /** 'notes': the model rewrites z after each task (the method); 'none': z = "Hints: null" every task;
   * 'append_log': z = the truncated log of past trajectories (both baselines make no update calls). */
  readonly memory: MemoryMode;
  /** Character budget of the context body under 'append_log' (the notes' budget, for a fair comparison). */
  readonly memoryCharBudget: number;
  readonly solveMaxNewTokens: number;
  readonly updateMaxNewTokens: number;
  /** Soft "keep each response under N tokens" instruction in the solve prompt; undefined = off. */
  readonly lengthInstructionTokens?: number;
}

export interface LifecycleConfigInput {
  readonly rendering?: Rendering;
  /** Curriculum overrides of the rendering's default templates. */
  readonly prompts?: unknown;
  readonly memory?: MemoryMode;
  readonly memoryCharBudget?: number;
  readonly solveMaxNewTokens?: number;
  readonly updateMaxNewTokens?: number;
  readonly lengthInstructionTokens?: number;
}

const TOKENS: Readonly<Record<Rendering, { solve: number; update: number }>> = {
  // Chat models reason before answering; the compact built-in model answers tersely.
  chat: { solve: 1024, update: 1024 },
  compact: { solve: 128, update: 256 },
};

export const DEFAULT_MEMORY_CHAR_BUDGET = 2000;

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new CodError('bad_config', `must be a positive integer, got ${String(v)}`, name);
  return v;
}

export function lifecycleConfig(input: LifecycleConfigInput = {}): LifecycleConfig {
  const rendering = input.rendering ?? 'chat';
  if (rendering !== 'chat' && rendering !== 'compact')
    throw new CodError('bad_config', `unknown rendering '${String(rendering)}' (chat, compact)`, 'rendering');
  const memory = input.memory ?? 'notes';
  if (!MEMORY_MODES.includes(memory))
    throw new CodError('bad_config', `unknown memory mode '${String(memory)}' (${MEMORY_MODES.join(', ')})`, 'memory');
  return {
    rendering,
    prompts: resolvePrompts(rendering, input.prompts),
    memory,
    memoryCharBudget: positiveInt(input.memoryCharBudget ?? DEFAULT_MEMORY_CHAR_BUDGET, 'memoryCharBudget'),
    solveMaxNewTokens: positiveInt(input.solveMaxNewTokens ?? TOKENS[rendering].solve, 'solveMaxNewTokens'),
    updateMaxNewTokens: positiveInt(input.updateMaxNewTokens ?? TOKENS[rendering].update, 'updateMaxNewTokens'),
    ...(input.lengthInstructionTokens !== undefined
      ? { lengthInstructionTokens: positiveInt(input.lengthInstructionTokens, 'lengthInstructionTokens') }
      : {}),
  };
}
