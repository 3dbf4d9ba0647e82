/**
 * Terminal scripted agents. The oracle plans each task with a TerminalPlanner seeded from its notes, and writes back
 * what the machine revealed: flavour, installed tools, SSH port, where files and folders live, commands that worked.
 * The random agent types harmless, well-formed commands of the flavour its prompt shows.
 */
import { Rng, stableSeed } from '../../seed.ts';
import type { EpisodeEnd, ScriptedAgent, ScriptedAgentArgs } from '../../sdk.ts';
import { hintBody, joinSections, noisyFacts, noteSection } from '../shared/notes.ts';
import { corruptFact, factsOf, knowledgeOf, noteLines, parseKnowledge, type Fact } from './knowledge.ts';
import { guessFlavour, TerminalPlanner } from './planner.ts';
import { readTerminalView, type TerminalView } from './view.ts';

class TerminalOracle implements ScriptedAgent {
  private planner: TerminalPlanner | null = null;
  private taskId = '';
  private seenTurn = -1;
  private readonly rng: Rng;

  constructor(
    private readonly noteNoise: number,
    seed: string,
  ) {
    this.rng = new Rng(stableSeed('terminal/oracle-notes', seed));
  }

  /** Start a fresh plan at each task start (notes are the only memory), else feed it the latest output. */
  private sync(hints: string, v: TerminalView): TerminalPlanner {
    if (!this.planner || v.turn === 0 || v.taskId !== this.taskId || v.turn < this.seenTurn) {
      this.planner = new TerminalPlanner(parseKnowledge(hintBody(hints)), v.prompt, v.steps);
      this.taskId = v.taskId;
      this.seenTurn = v.turn;
    } else if (v.turn > this.seenTurn) {
      this.planner.observe(v.output ?? '');
      this.seenTurn = v.turn;
    }
    return this.planner;
  }

  act(hints: string, view: Readonly<Record<string, unknown>>): string {
    return this.sync(hints, readTerminalView(view)).next();
  }

  writeNotes(prevHints: string, finalView: Readonly<Record<string, unknown>>, end: EpisodeEnd): string {
    const v = readTerminalView(finalView);
    const planner = this.planner && this.taskId === v.taskId ? this.sync(prevHints, v) : null;
    const known = planner ? planner.forNotes() : parseKnowledge(hintBody(prevHints));
    const facts = noisyFacts<Fact>(factsOf(known), this.noteNoise, this.rng, corruptFact);
    const lines = noteLines(
      knowledgeOf(facts),
      planner ? [...planner.worked].map(([what, cmd]) => `${what}: \`${cmd}\``) : [],
    );
    const flavour = planner?.flavour ?? guessFlavour(v.prompt);
    const tips = [
      flavour === 'windows'
        ? 'search both drives at once: `dir /s /b "C:\\NAME" "D:\\NAME"`; paths need backslashes (a / starts a switch)'
        : "search: `find / -name 'NAME'`; use absolute paths, quote those with spaces",
      'several copies of a file: the most recently modified one is meant (compare with ls -l / dir)',
      `last task: reward ${end.reward.toFixed(3)} (${end.outcome})`,
    ];
    return joinSections([
      noteSection('Machine', lines.machine),
      noteSection('Where things live', lines.places),
      noteSection('Commands that worked', lines.commands),
      noteSection('Tips', tips),
    ]);
  }
}

const POSIX_RANDOM = [
  'ls',
  'ls -l',
  'pwd',
  'whoami',
  'cd ..',
  'cd ~',
  'cat NOTICE.txt',
  "find ~ -name '*.txt'",
  'ls /',
  'mkdir -p scratch',
  'uname -a',
  'hostname',
  'ls ~/Documents',
];
const WINDOWS_RANDOM = [
  'dir',
  'cd',
  'whoami',
  'cd ..',
  'cd /d %USERPROFILE%',
  'type NOTICE.txt',
  'dir /s /b *.txt',
  'dir C:\\',
  'mkdir scratch',
  'ver',
  'hostname',
  'dir Documents',
];

class TerminalRandom implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(seed: string) {
    this.rng = new Rng(stableSeed('terminal/random', seed));
  }

  act(_hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readTerminalView(view);
    return this.rng.pick(guessFlavour(v.prompt) === 'windows' ? WINDOWS_RANDOM : POSIX_RANDOM);
  }

  writeNotes(_prevHints: string, _finalView: Readonly<Record<string, unknown>>, end: EpisodeEnd): string {
    return joinSections([noteSection('Terminal', [`typed random commands, reward ${end.reward.toFixed(3)}`])]);
  }
}

export function terminalAgent(args: ScriptedAgentArgs): ScriptedAgent {
  return args.kind === 'oracle' ? new TerminalOracle(args.noteNoise, args.seed) : new TerminalRandom(args.seed);
}
