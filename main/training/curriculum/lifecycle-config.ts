/** The lifecycle runner's settings a curriculum asks for (its rendering, prompts and knobs), for training and evals. */
import { lifecycleConfig, PAPER_BUDGETS, type LifecycleConfig } from '../../cod/config.ts';
import type { MemoryMode } from '../../cod/records.ts';
import type { Curriculum } from './schema.ts';

/** Training rollouts or evaluations: they may differ in the soft length line (the paper: 1000 vs 1500). */
export type LifecyclePhase = 'train' | 'eval';

/** `memory` overrides the curriculum's (an eval baseline). */
export function curriculumLifecycleConfig(
  c: Curriculum,
  memory: MemoryMode = c.memory,
  phase: LifecyclePhase = 'train',
): LifecycleConfig {
  const { evalLengthInstructionTokens, lengthInstructionTokens, ...knobs } = c.lifecycle ?? {};
  const paperChat = knobs.protocol === 'paper' && c.rendering === 'chat';
  const length =
    phase === 'eval'
      ? (evalLengthInstructionTokens ?? (paperChat ? PAPER_BUDGETS.evalLengthTokens : lengthInstructionTokens))
      : lengthInstructionTokens;
  return lifecycleConfig({
    rendering: c.rendering,
    memory,
    ...(c.prompts ? { prompts: c.prompts } : {}),
    ...knobs,
    ...(length !== undefined ? { lengthInstructionTokens: length } : {}),
  });
}
