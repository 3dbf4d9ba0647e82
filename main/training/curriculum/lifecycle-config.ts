/** The lifecycle runner's settings a curriculum asks for (its rendering, prompts and knobs), for training and evals. */
import { lifecycleConfig, type LifecycleConfig, type LifecyclePhase } from '../../cod/config.ts';
import type { MemoryMode } from '../../cod/records.ts';
import type { Curriculum } from './schema.ts';

export type { LifecyclePhase };

/** `memory` overrides the curriculum's (an eval baseline). */
export function curriculumLifecycleConfig(
  c: Curriculum,
  memory: MemoryMode = c.memory,
  phase: LifecyclePhase = 'train',
): LifecycleConfig {
  const { evalLengthInstructionTokens, lengthInstructionTokens, ...knobs } = c.lifecycle ?? {};
  const paperChat = knobs.protocol === 'paper' && c.rendering === 'chat';
  // Paper (chat) evals take the paper's eval length line (per domain: main/cod/config.ts) unless set for evals.
  const length =
    phase === 'eval'
      ? (evalLengthInstructionTokens ?? (paperChat ? undefined : lengthInstructionTokens))
      : lengthInstructionTokens;
  return lifecycleConfig({
    rendering: c.rendering,
    memory,
    phase,
    ...(c.prompts ? { prompts: c.prompts } : {}),
    ...knobs,
    ...(length !== undefined ? { lengthInstructionTokens: length } : {}),
  });
}
