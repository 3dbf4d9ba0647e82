import { existsSync } from 'node:fs';
import { isInterrupted } from '../../api/run-state.ts';
import { CodError } from '../../base/errors.ts';
import { hasLiveTrainer, openStore, type RunStore } from '../../store/index.ts';
import type { CheckpointRecord, JsonObject, JsonValue, RunRecord } from '../../store/types.ts';
import { defaultStorePath } from '../../training/locations.ts';
import { describeRunBackend } from '../../training/run-backend.ts';
import { runConfigView } from '../../training/run-session.ts';
import { flagTable, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';

/** Opens an existing store; a missing file is an error here, since a reader must not create one as a side effect. */
function openExisting(path: string): RunStore {
  if (!existsSync(path))
    throw new CodError('not_found', 'no run store here (train a run first, or pass --store)', path);
  return openStore(path);
}

/** Latest value of every training metric (eval/* series are the checkpoints' and are shown with them). */
function latestMetrics(store: RunStore, run: RunRecord): Record<string, number | null> {
  if (run.lastStep === null) return {};
  const names = store.listMetricNames(run.id).filter((n) => !n.startsWith('eval/'));
  if (names.length === 0) return {};
  const series = store.getSeries(run.id, names, { fromStep: run.lastStep, toStep: run.lastStep });
  const out: Record<string, number | null> = {};
  for (const n of names) {
    const v = series[n].values;
    if (v.length > 0) out[n] = Number.isFinite(v[v.length - 1]) ? v[v.length - 1] : null;
  }
  return out;
}

/** reward/pos<k> metrics as an array by position (the metric the method's figures plot). */
export function rewardByPosition(metrics: Readonly<Record<string, number | null>>): (number | null)[] {
  const out: (number | null)[] = [];
  for (const [name, v] of Object.entries(metrics)) {
    const m = /^reward\/pos(\d+)$/.exec(name);
    if (m) out[Number(m[1])] = v;
  }
  return Array.from(out, (v) => v ?? null);
}

function runRow(store: RunStore, run: RunRecord) {
  const metrics = latestMetrics(store, run);
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    interrupted: isInterrupted({ status: run.status, live: hasLiveTrainer(run) }),
    steps: store.listSteps(run.id).length,
    lastStep: run.lastStep,
    created: new Date(run.createdAt).toISOString(),
    rewardByPosition: rewardByPosition(metrics),
    metrics,
  };
}

const fmt = (v: number | null | undefined, d = 3): string => (v === null || v === undefined ? '—' : v.toFixed(d));

/** The parts of a run's stored config worth a line each; a config without a curriculum is summarised by its keys. */
function configSummary(stored: JsonObject): string[] {
  const o = (v: JsonValue | undefined): JsonObject | undefined =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  const view = runConfigView(stored);
  const config = view.curriculum ?? {};
  const train = o(config.train);
  const lines: string[] = [];
  if (typeof config.name === 'string') lines.push(`curriculum: ${config.name}`);
  if (view.model !== null) lines.push(`model: ${view.model}`);
  if (view.backend !== null) lines.push(`backend: ${describeRunBackend(view.backend)}`);
  if (config.rendering !== undefined || config.memory !== undefined)
    lines.push(`rendering: ${String(config.rendering ?? '—')}, memory: ${String(config.memory ?? '—')}`);
  if (train) {
    const domains = Array.isArray(train.domains)
      ? train.domains.map((d) => {
          const dd = o(d);
          return dd ? `${String(dd.id)}/${String(dd.preset ?? 'train')}×${String(dd.weight ?? 1)}` : String(d);
        })
      : [];
    lines.push(
      `train: ${domains.join(', ') || '—'}; ${String(train.packStrategy ?? 'cod')} packs of ${String(train.packSize ?? '—')}, ` +
        `group ${String(train.groupSize ?? '—')}, ${String(train.packsPerStep ?? '—')} packs/step`,
    );
  }
  const training = view.trainer ?? o(config.training);
  if (training)
    lines.push(
      `training: ${Object.entries(training)
        .filter(([, v]) => typeof v !== 'object' || v === null)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ')}`,
    );
  if (view.curriculum) lines.push(`evals: ${view.evalSuites.join(', ') || '—'}`);
  if (lines.length === 0) lines.push(`config keys: ${Object.keys(stored).join(', ') || '—'}`);
  return lines;
}

/** One suite's entry on a checkpoint row: a per-position table when it has one, else its JSON. */
function evalLines(suite: string, entry: JsonValue): string[] {
  const e = entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? entry : undefined;
  const positions = e && Array.isArray(e.positions) ? e.positions : undefined;
  if (!positions) return [`    ${suite}: ${JSON.stringify(entry)}`];
  const cells = positions.map((p) => {
    const q = p !== null && typeof p === 'object' && !Array.isArray(p) ? p : {};
    const num = (v: JsonValue | undefined) => (typeof v === 'number' ? v : null);
    const lo = num(q.ci_low);
    const hi = num(q.ci_high);
    return `k${String(q.k)} ${fmt(num(q.mean))}${lo !== null && hi !== null ? ` [${fmt(lo)}, ${fmt(hi)}]` : ''}`;
  });
  return [`    ${suite}: ${cells.join('  ')}`];
}

function checkpointLines(c: CheckpointRecord): string[] {
  const lines = [
    `  step ${c.step}  ${c.path}  sha256 ${c.sha256.slice(0, 12)}  ${new Date(c.createdAt).toISOString()}`,
  ];
  const suites = Object.keys(c.eval);
  if (suites.length === 0) lines.push('    (not evaluated)');
  for (const s of suites) lines.push(...evalLines(s, c.eval[s]));
  return lines;
}

const STORE_FLAG = flagTable(['store'], ['json']);

export const runsList: CliCommand = {
  path: ['runs', 'list'],
  summary: 'List the runs in the run store: id, name, status, steps, created, latest reward by position',
  usage:
    '[--store FILE] [--json]\n\n  --store FILE  the run store (default $COD_HOME/runs.db, COD_HOME defaults to ~/.cod)',
  async run(argv) {
    const { values } = parseFlags(argv, STORE_FLAG);
    const store = openExisting(values.store ?? defaultStorePath());
    try {
      const rows = store.listRuns().map((r) => runRow(store, r));
      if (values.json) {
        console.log(JSON.stringify(rows, null, 2));
        return 0;
      }
      if (rows.length === 0) {
        console.log(`no runs in ${store.path}`);
        return 0;
      }
      console.log(
        `${'id'.padEnd(10)}${'name'.padEnd(22)}${'status'.padEnd(12)}${'steps'.padStart(6)}  ${'created'.padEnd(25)}reward by position`,
      );
      for (const r of rows)
        console.log(
          `${r.id.padEnd(10)}${r.name.slice(0, 21).padEnd(22)}${(r.interrupted ? 'interrupted' : r.status).padEnd(12)}${String(r.steps).padStart(6)}  ` +
            `${r.created.padEnd(25)}${r.rewardByPosition.map((v) => fmt(v)).join(' ') || '—'}`,
        );
      return 0;
    } finally {
      store.close();
    }
  },
};

export const runsShow: CliCommand = {
  path: ['runs', 'show'],
  summary: 'One run: config summary, steps, latest metrics (reward by position), checkpoints with their evals',
  usage: 'RUN_ID [--store FILE] [--json]\n\n  --store FILE  the run store (default $COD_HOME/runs.db)',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, STORE_FLAG, true);
    if (positionals.length !== 1) throw new CodError('bad_input', 'expected exactly one RUN_ID');
    const store = openExisting(values.store ?? defaultStorePath());
    try {
      const run = store.getRun(positionals[0]);
      const row = runRow(store, run);
      const checkpoints = store.listCheckpoints(run.id);
      if (values.json) {
        console.log(
          JSON.stringify(
            {
              ...row,
              updated: new Date(run.updatedAt).toISOString(),
              seeds: run.seeds,
              codeVersion: run.codeVersion,
              runDir: run.runDir,
              lastError: run.lastError,
              lease: run.lease,
              config: run.config,
              checkpoints: checkpoints.map((c) => ({ ...c, created: new Date(c.createdAt).toISOString() })),
            },
            null,
            2,
          ),
        );
        return 0;
      }
      const lines = [
        `run ${run.id}  ${run.name}  ${run.status}${run.lastError ? ` (${run.lastError})` : ''}` +
          (row.interrupted ? ` — interrupted: its trainer is gone; continue with cod train --resume ${run.id}` : ''),
        `created ${row.created}, updated ${new Date(run.updatedAt).toISOString()}, code ${run.codeVersion}`,
        `dir ${run.runDir}, seeds ${run.seeds.join(',')}`,
        ...(run.lease
          ? [`held by pid ${run.lease.pid} on ${run.lease.hostname}${run.lease.stale ? ' (stale)' : ''}`]
          : []),
        ...configSummary(run.config),
        `steps: ${row.steps}${run.lastStep !== null ? ` (last ${run.lastStep})` : ''}`,
      ];
      const names = Object.keys(row.metrics).sort();
      if (names.length > 0) {
        lines.push(`latest metrics (step ${run.lastStep}):`);
        if (row.rewardByPosition.length > 0)
          lines.push(`  reward by position: ${row.rewardByPosition.map((v, k) => `k${k} ${fmt(v)}`).join('  ')}`);
        for (const n of names) if (!/^reward\/pos\d+$/.test(n)) lines.push(`  ${n}: ${fmt(row.metrics[n], 4)}`);
      }
      lines.push(`checkpoints: ${checkpoints.length}`);
      for (const c of checkpoints) lines.push(...checkpointLines(c));
      console.log(lines.join('\n'));
      return 0;
    } finally {
      store.close();
    }
  },
};
