/**
 * TerminalSimulator (environments.md): everyday file chores in a simulated Linux, macOS or Windows shell with a
 * simulated remote host. Hidden per pack: the flavour's machine — which tools exist, the SSH port, where files and
 * folders live. Nothing is ever executed on the host: the shell, its parser and the file systems are simulated.
 */
import { stableSeed } from '../../seed.ts';
import type { DomainWithAgents, OpenPackArgs, Pack, TaskEpisode } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs, checkTaskIndex } from '../shared/config.ts';
import { terminalAgent } from './agent.ts';
import { TerminalEpisode } from './episode.ts';
import { FLAVOUR_INFO } from './flavour.ts';
import { terminalSite } from './instance.ts';
import { terminalParams } from './params.ts';
import { terminalTask } from './task.ts';

export const terminal: DomainWithAgents = {
  id: 'terminal',
  title: 'Terminal Simulator',
  description:
    'Everyday file tasks (create, copy, move, rename, find, archive, permissions, copy to a remote host) in a ' +
    'simulated Linux, macOS or Windows shell. Hidden per pack: which archiver and remote copier the machine has, the ' +
    "remote host's SSH port, and where files and named folders live; errors, searches and the final goal check reveal them.",
  presets: ['train', 'easy', 'hard'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('terminal', args);
    const params = terminalParams(args.preset, args.options);
    const { seed, preset, rendering } = args;
    const site = terminalSite(seed, params.flavours);
    const info = FLAVOUR_INFO[site.flavour];
    const packTag = stableSeed('terminal', seed, preset).slice(0, 8);
    return {
      domain: 'terminal',
      seed,
      startTask(index: number): TaskEpisode {
        const i = checkTaskIndex('terminal', index);
        const task = terminalTask(site, params, seed, preset, i, (p) => info.formatPath(p));
        return new TerminalEpisode(`terminal/${packTag}/${i}`, site, task, params.maxTurns, rendering, seed);
      },
    };
  },

  scriptedAgent(args) {
    checkAgentArgs('terminal', args);
    return terminalAgent(args);
  },
};
