/** The pack shape every built-in domain opens: task ids `domain/tag/i`, the index checked before a task starts. */
import { stableSeed } from '../../seed.ts';
import type { Pack, TaskEpisode } from '../../sdk.ts';
import { checkTaskIndex } from './config.ts';

/**
 * A pack of numbered tasks. `start` builds task `index` (already checked) under `taskId`; the tag in the id comes
 * from the pack seed and preset, so ids are stable across runs and differ between packs.
 */
export function numberedPack(
  domain: string,
  seed: string,
  preset: string,
  start: (index: number, taskId: string) => TaskEpisode,
): Pack {
  const packTag = stableSeed(domain, seed, preset).slice(0, 8);
  return {
    domain,
    seed,
    startTask(index: number): TaskEpisode {
      const i = checkTaskIndex(domain, index);
      return start(i, `${domain}/${packTag}/${i}`);
    },
  };
}
