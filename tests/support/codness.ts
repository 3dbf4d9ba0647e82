/**
 * The CoD-ness check of environments.md: scripted agents play whole lifecycles on held-out packs and the mean
 * task reward is tabulated per pack position for (a) the oracle with its notes, (b) the same oracle with an
 * empty context every task, (c) random. In-process: it drives a Domain directly, not the lifecycle runner, so a
 * domain's unit tests can validate it on their own (main/cod/codness-check.ts is the full
 * check through the runner, with confidence intervals, behind `cod envs check`).
 */
import { CodError } from '../../main/base/errors.ts';
import { stableSeed } from '../../main/envs/seed.ts';
import type {
  DomainWithAgents,
  OpenPackArgs,
  Outcome,
  Rendering,
  ScriptedAgentArgs,
  ScriptedAgentKind,
} from '../../main/envs/sdk.ts';

const HINTS_NULL = 'Hints: null';

export interface ScriptedLifecycle {
  readonly rewards: number[];
  readonly outcomes: Outcome[];
  /** The context z each task was solved with. */
  readonly hints: string[];
}

/**
 * One lifecycle: task j is solved with z_j, then z_{j+1} = "Hints: " + notes. With `memory` false every task
 * sees "Hints: null" (the empty-context baseline).
 */
export function runScriptedLifecycle(
  domain: DomainWithAgents,
  pack: OpenPackArgs,
  agentArgs: ScriptedAgentArgs,
  packSize: number,
  memory: boolean,
): ScriptedLifecycle {
  const opened = domain.openPack({ ...pack, packSize });
  const agent = domain.scriptedAgent(agentArgs);
  const rewards: number[] = [];
  const outcomes: Outcome[] = [];
  const hintsSeen: string[] = [];
  let hints = HINTS_NULL;
  for (let j = 0; j < packSize; j++) {
    const z = memory ? hints : HINTS_NULL;
    hintsSeen.push(z);
    const episode = opened.startTask(j);
    let end;
    for (let turn = 0; turn <= episode.maxTurns && end === undefined; turn++) {
      const result = episode.step(agent.act(z, episode.view()));
      if (result.done) end = result;
    }
    if (end === undefined) {
      throw new CodError('env_fault', `task ${episode.taskId} did not end within ${episode.maxTurns} turns`, domain.id);
    }
    rewards.push(end.reward);
    outcomes.push(end.outcome);
    if (j < packSize - 1) hints = 'Hints: ' + agent.writeNotes(z, episode.view(), end);
  }
  return { rewards, outcomes, hints: hintsSeen };
}

export interface CodnessArgs {
  readonly preset: string;
  readonly packs: number;
  readonly packSize?: number;
  /** Held-out pack seeds are stableSeed(seedPrefix, k). */
  readonly seedPrefix?: string;
  readonly rendering?: Rendering;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly noteNoise?: number;
}

export interface CodnessTable {
  readonly domain: string;
  readonly preset: string;
  readonly packs: number;
  /** Mean reward per position. */
  readonly oracle: number[];
  readonly empty: number[];
  readonly random: number[];
}

/**
 * Asynchronous only to yield between packs: a whole table is tens of seconds of synchronous play, which would hold
 * the test worker's event loop past its limit (tests/support/loop-guard.ts).
 */
export async function codnessTable(domain: DomainWithAgents, args: CodnessArgs): Promise<CodnessTable> {
  const packSize = args.packSize ?? 8;
  const sums: Record<'oracle' | 'empty' | 'random', number[]> = {
    oracle: new Array<number>(packSize).fill(0),
    empty: new Array<number>(packSize).fill(0),
    random: new Array<number>(packSize).fill(0),
  };
  const runs: Array<[keyof typeof sums, ScriptedAgentKind, boolean]> = [
    ['oracle', 'oracle', true],
    ['empty', 'oracle', false],
    ['random', 'random', true],
  ];
  for (let k = 0; k < args.packs; k++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const seed = stableSeed(args.seedPrefix ?? 'codness-heldout', domain.id, k);
    const pack: OpenPackArgs = {
      seed,
      preset: args.preset,
      rendering: args.rendering ?? 'compact',
      options: args.options,
    };
    for (const [row, kind, memory] of runs) {
      // The oracle and the empty baseline share their agent seed: a paired comparison, only memory differs.
      const agent = { kind, seed: stableSeed('codness-agent', seed, kind), noteNoise: args.noteNoise ?? 0 };
      const run = runScriptedLifecycle(domain, pack, agent, packSize, memory);
      run.rewards.forEach((r, j) => (sums[row][j] += r));
    }
  }
  const mean = (xs: number[]) => xs.map((x) => x / args.packs);
  return {
    domain: domain.id,
    preset: args.preset,
    packs: args.packs,
    oracle: mean(sums.oracle),
    empty: mean(sums.empty),
    random: mean(sums.random),
  };
}

/** A plain-text table, one row per agent, one column per position. */
export function formatCodnessTable(t: CodnessTable): string {
  const cols = t.oracle.map((_, j) => `pos${j}`.padStart(6)).join('');
  const row = (name: string, xs: number[]) => name.padEnd(8) + xs.map((x) => x.toFixed(3).padStart(6)).join('');
  return [
    `${t.domain}/${t.preset} (${t.packs} packs)`,
    ' '.repeat(8) + cols,
    row('oracle', t.oracle),
    row('empty', t.empty),
    row('random', t.random),
  ].join('\n');
}
