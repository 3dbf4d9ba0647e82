/**
 * The CoD-ness check of a domain (environments.md), run through the real lifecycle runner, scripted policy and
 * env host: on held-out packs, (a) the oracle with its notes, (b) the same oracle with an empty context every task
 * (memory 'none'), (c) random. A domain passes when (a) at the last position is clearly above (a) at position 0
 * and above (b) at the last position, with (b) flat across positions. "Clearly above": the Student-t 95% interval
 * of the per-pack paired difference lies above 0. "Flat": the mean paired difference (last − first) of (b) is
 * within ±FLAT_TOLERANCE. The agents get a fresh instance per task (scope 'task'), so the context is provably
 * their only memory across tasks.
 */
import { CodError } from '../base/errors.ts';
import type { EnvHost } from '../envs/host.ts';
import type { DomainWithAgents, Rendering, ScriptedAgentKind } from '../envs/sdk.ts';
import { lifecycleConfig } from './config.ts';
import { lifecycleMetrics, type LifecycleMetrics } from './metrics.ts';
import { planPacks, type PackStrategy } from './packs.ts';
import type { Protocol } from './prompts.ts';
import type { LifecycleResult, MemoryMode } from './records.ts';
import { runRollout } from './rollout.ts';
import { ScriptedPolicy } from './scripted-policy.ts';
import { meanCI, type MeanCI } from './stats.ts';

export const FLAT_TOLERANCE = 0.1;

export interface CodnessCheckArgs {
  readonly domain: DomainWithAgents;
  readonly host: EnvHost;
  readonly preset: string;
  /** Domain options of the preset (e.g. a hidden-structure mode), passed to every pack. */
  readonly options?: Readonly<Record<string, unknown>>;
  readonly packs: number;
  readonly packSize: number;
  readonly seed: string;
  /** Ralph loop: every task of each chunk repeated S times (`ralph_full`). */
  readonly ralph?: boolean;
  readonly rendering?: Rendering;
  /** The lifecycle protocol; default 'paper' for the paper presets (names starting with "paper"), else 'workbench'. */
  readonly protocol?: Protocol;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CodnessRow {
  readonly name: 'oracle' | 'oracle_no_memory' | 'random';
  readonly label: string;
  readonly agent: ScriptedAgentKind;
  readonly memory: MemoryMode;
  readonly metrics: LifecycleMetrics;
}

export interface Comparison {
  readonly label: string;
  /** Per-pack paired difference, mean and interval. */
  readonly diff: MeanCI;
  readonly pass: boolean;
}

export interface CodnessReport {
  readonly domain: string;
  readonly preset: string;
  readonly strategy: PackStrategy;
  /** Lifecycles per row (under ralph_full: instances × S). */
  readonly packs: number;
  readonly instances: number;
  readonly packSize: number;
  readonly seed: string;
  readonly ciMethod: string;
  readonly rows: CodnessRow[];
  readonly checks: Comparison[];
  readonly pass: boolean;
}

const ROWS: ReadonlyArray<Omit<CodnessRow, 'metrics'>> = [
  { name: 'oracle', label: 'oracle (notes)', agent: 'oracle', memory: 'notes' },
  { name: 'oracle_no_memory', label: 'oracle (empty context)', agent: 'oracle', memory: 'none' },
  { name: 'random', label: 'random', agent: 'random', memory: 'notes' },
];

function paired(a: readonly LifecycleResult[], ai: number, b: readonly LifecycleResult[], bi: number): MeanCI {
  const d: number[] = [];
  a.forEach((l, i) => {
    const m = b[i];
    if (!l.error && !m.error) d.push(l.taskRewards[ai] - m.taskRewards[bi]);
  });
  return meanCI(d);
}

export async function runCodnessCheck(args: CodnessCheckArgs): Promise<CodnessReport> {
  const { domain } = args;
  if (!domain.presets.includes(args.preset))
    throw new CodError(
      'bad_input',
      `domain '${domain.id}' has no preset '${args.preset}' (${domain.presets.join(', ')})`,
    );
  if (!Number.isInteger(args.packSize) || args.packSize < 2)
    throw new CodError('bad_input', `--pack-size must be an integer ≥ 2 to compare positions, got ${args.packSize}`);
  const strategy: PackStrategy = args.ralph ? 'ralph_full' : 'cod';
  const packs = planPacks({
    datasetId: `codness-${args.seed}`,
    domain: domain.id,
    preset: args.preset,
    ...(args.options ? { options: args.options } : {}),
    split: 'heldout',
    strategy,
    packSize: args.packSize,
    count: args.packs,
  });
  const total = packs.length * ROWS.length;
  let done = 0;
  const rows: CodnessRow[] = [];
  const lifecycles: LifecycleResult[][] = [];
  for (const row of ROWS) {
    const policy = new ScriptedPolicy(domain, {
      kind: row.agent,
      seed: `codness-${args.seed}-${row.agent}`,
      agentScope: 'task',
    });
    const r = await runRollout({
      host: args.host,
      policy,
      packs,
      groupSize: 1,
      config: lifecycleConfig({
        rendering: args.rendering ?? 'chat',
        memory: row.memory,
        protocol: args.protocol ?? (args.preset.startsWith('paper') ? 'paper' : 'workbench'),
      }),
      seed: `codness-${args.seed}`,
      onLifecycle: () => args.onProgress?.(++done, total),
    });
    lifecycles.push(r.lifecycles);
    rows.push({ ...row, metrics: lifecycleMetrics(r.lifecycles) });
  }
  const last = args.packSize - 1;
  const [oracle, empty] = lifecycles;
  const unit = args.ralph ? 'attempt' : 'position';
  const gain = paired(oracle, last, oracle, 0);
  const vsEmpty = paired(oracle, last, empty, last);
  const drift = paired(empty, last, empty, 0);
  const above = (c: MeanCI) => c.lo !== null && c.lo > 0;
  const failed = rows.reduce((n, r) => n + r.metrics.failedLifecycles, 0);
  const checks: Comparison[] = [
    {
      label: `no environment faults (${failed} lifecycles failed)`,
      diff: meanCI([failed]),
      pass: failed === 0,
    },
    { label: `oracle: ${unit} ${last} above ${unit} 0`, diff: gain, pass: above(gain) },
    { label: `oracle above empty context at ${unit} ${last}`, diff: vsEmpty, pass: above(vsEmpty) },
    {
      label: `empty context flat (|${unit} ${last} − ${unit} 0| ≤ ${FLAT_TOLERANCE})`,
      diff: drift,
      pass: Number.isFinite(drift.mean) && Math.abs(drift.mean) <= FLAT_TOLERANCE,
    },
  ];
  return {
    domain: domain.id,
    preset: args.preset,
    strategy,
    packs: packs.length,
    instances: args.packs,
    packSize: args.packSize,
    seed: args.seed,
    ciMethod: 'Student-t 95% interval of the mean over packs',
    rows,
    checks,
    pass: checks.every((c) => c.pass),
  };
}

function cell(c: MeanCI): string {
  if (!Number.isFinite(c.mean)) return '—';
  return c.halfWidth === null ? c.mean.toFixed(2) : `${c.mean.toFixed(2)}±${c.halfWidth.toFixed(2)}`;
}

/** The CoD-ness table as plain text: one row per agent, mean reward ± CI half-width per position. */
export function formatCodnessReport(r: CodnessReport): string {
  const unit = r.strategy === 'cod' ? 'k' : 'attempt';
  const head = ['agent'.padEnd(24), ...Array.from({ length: r.packSize }, (_, k) => `${unit}=${k}`.padStart(11))];
  const lines = [
    `CoD-ness check: ${r.domain} preset=${r.preset} strategy=${r.strategy} packs=${r.packs} (instances ${r.instances}) S=${r.packSize} seed=${r.seed}`,
    `mean task reward by ${r.strategy === 'cod' ? 'pack position' : 'attempt'} ± half-width of the ${r.ciMethod}`,
    '',
    head.join(''),
  ];
  for (const row of r.rows) {
    const failed = row.metrics.failedLifecycles ? ` (${row.metrics.failedLifecycles} failed)` : '';
    lines.push(
      [(row.label + failed).padEnd(24), ...row.metrics.positions.map((p) => cell(p.reward).padStart(11))].join(''),
    );
  }
  lines.push('');
  for (const c of r.checks) {
    const ci = c.diff.lo === null ? '' : ` [${c.diff.lo.toFixed(2)}, ${(c.diff.hi ?? NaN).toFixed(2)}]`;
    const detail = c.diff.n > 1 ? `: paired diff ${c.diff.mean.toFixed(3)}${ci}` : '';
    lines.push(`${c.pass ? 'ok  ' : 'FAIL'}  ${c.label}${detail}`);
  }
  lines.push(`verdict: ${r.pass ? 'PASS' : 'FAIL'}`);
  return lines.join('\n');
}
