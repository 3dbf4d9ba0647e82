/**
 * Optimal Control (environments.md, paper v2): steer a point with hidden linear dynamics v' = a·v + b·u,
 * x' = x + v' by submitting one feedback-control expression; the (t, x, v, u) table it produces reveals a and b.
 */
import type { DomainWithAgents, OpenPackArgs, Pack } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs, readOptions } from '../shared/config.ts';
import { numberedPack } from '../shared/pack.ts';
import { controlAgent } from './agent.ts';
import { ControlEpisode, type ControlPackState } from './episode.ts';
import { controlDynamics } from './instance.ts';
import { controlParams } from './params.ts';
import { PAPER_CONTROL, PaperControlEpisode, PaperControlPack, paperControlTask } from './paper.ts';
import { controlTask } from './task.ts';

export const control: DomainWithAgents = {
  id: 'control',
  title: 'Optimal Control',
  description:
    "Submit one feedback-control expression that brings a point to a target position and velocity. The dynamics v' = " +
    "a·v + b·u, x' = x + v' are linear with a and b hidden per pack (the sign of b is not told); the per-step (t, x, " +
    'v, u) table of each attempt reveals them.',
  // 'paper': the reference implementation's prompts, answer format, data and rules (docs/fidelity.md).
  presets: ['train', 'easy', 'hard', 'paper'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('control', args);
    if (args.preset === 'paper') return openPaperPack(args);
    const params = controlParams(args.preset, args.options);
    const { seed, preset, rendering } = args;
    const dynamics = controlDynamics(seed);
    const state: ControlPackState = { previous: null };
    return numberedPack('control', seed, preset, (i, taskId) => {
      const task = controlTask(params, seed, preset, i);
      return new ControlEpisode(taskId, task, dynamics, rendering, state, params.showPrevious);
    });
  },

  scriptedAgent(args) {
    checkAgentArgs('control', args);
    return controlAgent(args);
  },
};

function openPaperPack(args: OpenPackArgs): Pack {
  readOptions('control', args.options, {});
  const { seed } = args;
  const pack = new PaperControlPack(seed);
  return numberedPack('control', seed, 'paper', (i, taskId) => {
    // The reference clears the earlier controller at task 0 (so a Ralph pack, all task 0, never shows one).
    if (i === 0) pack.evidence = null;
    return new PaperControlEpisode(taskId, pack, paperControlTask(PAPER_CONTROL, seed, 'paper', i));
  });
}
