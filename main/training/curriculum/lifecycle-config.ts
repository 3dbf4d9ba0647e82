/** The lifecycle runner's settings a curriculum asks for (its rendering, prompts and knobs), for training and evals. */
import { lifecycleConfig, type LifecycleConfig } from '../../cod/config.ts';
import type { MemoryMode } from '../../cod/records.ts';
import type { Curriculum } from './schema.ts';

/** `memory` overrides the curriculum's (an eval baseline). */
export function curriculumLifecycleConfig(c: Curriculum, memory: MemoryMode = c.memory): LifecycleConfig {
  return lifecycleConfig({
    rendering: c.rendering,
    memory,
    ...(c.prompts ? { prompts: c.prompts } : {}),
    ...(c.lifecycle ?? {}),
  });
}
