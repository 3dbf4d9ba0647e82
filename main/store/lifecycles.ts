/** Lifecycles (one rollout of a pack) with their samples: written with a step or an eval, read by the replay views. */
import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';
import { CodError } from '../base/errors.ts';
import type { StoreDb } from './db.ts';
import {
  INSERT_SAMPLE,
  SELECT_SAMPLES,
  decodeSamples,
  prepareSamples,
  sampleParams,
  type SampleRow,
} from './samples.ts';
import type { WriteTx } from './tx.ts';
import type {
  LifecycleDetail,
  LifecycleFilter,
  LifecycleInput,
  LifecycleSummary,
  SampleInput,
  Split,
} from './types.ts';
import { array, badInput, int, name, oneOf, optText, rewardList, text, toJson } from './validate.ts';

const SPLITS = ['train', 'eval'] as const;

interface LifecycleRow {
  readonly key: string;
  readonly params: readonly SQLInputValue[];
}

/** Validated lifecycles and samples of one commit, ready to insert. */
export interface PreparedLifecycles {
  readonly lifecycles: readonly LifecycleRow[];
  readonly samples: readonly SampleRow[];
}

function validateLifecycle(l: LifecycleInput, where: string): { key: string; split: Split; params: SQLInputValue[] } {
  if (typeof l !== 'object' || l === null) badInput(where, 'expected a lifecycle object');
  const split = oneOf(l.split, SPLITS, `${where}.split`);
  let suite: string | null = null;
  if (split === 'eval') suite = name(l.suite, `${where}.suite`);
  else if (l.suite !== undefined && l.suite !== null) badInput(`${where}.suite`, 'only eval lifecycles have a suite');
  const hints = array<unknown>(l.hints, `${where}.hints`).map((h, i) =>
    text(h, `${where}.hints[${i}]`, Number.MAX_SAFE_INTEGER, true),
  );
  const key = name(l.id, `${where}.id`);
  return {
    key,
    split,
    params: [
      key,
      name(l.packId, `${where}.packId`),
      name(l.domain, `${where}.domain`),
      int(l.rolloutIndex, `${where}.rolloutIndex`),
      split,
      suite,
      l.checkpointStep === undefined || l.checkpointStep === null
        ? null
        : int(l.checkpointStep, `${where}.checkpointStep`),
      toJson(rewardList(l.rewards, `${where}.rewards`), `${where}.rewards`),
      toJson(rewardList(l.updateRewards, `${where}.updateRewards`), `${where}.updateRewards`),
      toJson(hints, `${where}.hints`),
      optText(l.error, `${where}.error`),
    ],
  };
}

export function prepareLifecycles(
  lifecycles: readonly LifecycleInput[],
  samples: readonly SampleInput[],
  where: string,
  onEach?: (l: LifecycleInput, split: Split, where: string) => void,
): PreparedLifecycles {
  const keys = new Set<string>();
  const rows = array<LifecycleInput>(lifecycles, `${where}.lifecycles`).map((l, i) => {
    const w = `${where}.lifecycles[${i}]`;
    const v = validateLifecycle(l, w);
    if (keys.has(v.key)) badInput(`${w}.id`, `lifecycle id '${v.key}' appears twice`);
    keys.add(v.key);
    onEach?.(l, v.split, w);
    return { key: v.key, params: v.params };
  });
  return { lifecycles: rows, samples: prepareSamples(samples, keys, `${where}.samples`) };
}

/** Inside a write transaction. Lifecycle ids must be new for the run (the UNIQUE constraint says so otherwise). */
export function insertLifecycles(
  ctx: StoreDb,
  tx: WriteTx,
  runId: string,
  step: number,
  prepared: PreparedLifecycles,
): void {
  if (prepared.lifecycles.length === 0) return;
  const ids = new Map<string, number>();
  const insert = ctx.stmt(
    `INSERT INTO lifecycles (run_id, step, key, pack_id, domain, rollout_index, split, suite, checkpoint_step, rewards,
       update_rewards, hints, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const exists = ctx.stmt('SELECT step FROM lifecycles WHERE run_id = ? AND key = ?');
  for (const l of prepared.lifecycles) {
    const clash = exists.get(runId, l.key);
    if (clash) {
      throw new CodError('bad_input', `lifecycle id '${l.key}' is already stored at step ${String(clash.step)}`, runId);
    }
    const res = insert.run(runId, step, ...l.params);
    ids.set(l.key, Number(res.lastInsertRowid));
  }
  const insertSample = ctx.stmt(INSERT_SAMPLE);
  for (const s of prepared.samples) insertSample.run(...sampleParams(s, ids.get(s.lifecycleKey) as number));
  tx.changed('lifecycles', runId, step, 'insert');
  if (prepared.samples.length > 0) tx.changed('samples', runId, step, 'insert');
}

const SUMMARY_COLUMNS = `id, run_id, key, step, pack_id, domain, rollout_index, split, suite, checkpoint_step, rewards,
  update_rewards, error`;

function toSummary(r: Record<string, SQLOutputValue>): LifecycleSummary {
  return {
    id: Number(r.id),
    runId: String(r.run_id),
    key: String(r.key),
    step: Number(r.step),
    packId: String(r.pack_id),
    domain: String(r.domain),
    rolloutIndex: Number(r.rollout_index),
    split: r.split as Split,
    suite: r.suite === null ? null : String(r.suite),
    checkpointStep: r.checkpoint_step === null ? null : Number(r.checkpoint_step),
    rewards: JSON.parse(String(r.rewards)) as (number | null)[],
    updateRewards: JSON.parse(String(r.update_rewards)) as (number | null)[],
    error: r.error === null ? null : String(r.error),
  };
}

export function selectLifecycles(ctx: StoreDb, runId: string, filter: LifecycleFilter = {}): LifecycleSummary[] {
  const where = ['run_id = ?'];
  const params: SQLInputValue[] = [runId];
  if (filter.step !== undefined) {
    where.push('step = ?');
    params.push(int(filter.step, 'listLifecycles.step'));
  }
  if (filter.split !== undefined) {
    where.push('split = ?');
    params.push(oneOf(filter.split, SPLITS, 'listLifecycles.split'));
  }
  if (filter.suite !== undefined) {
    where.push('suite = ?');
    params.push(name(filter.suite, 'listLifecycles.suite'));
  }
  if (filter.checkpoint !== undefined) {
    where.push('checkpoint_step = ?');
    params.push(int(filter.checkpoint, 'listLifecycles.checkpoint'));
  }
  if (filter.domain !== undefined) {
    where.push('domain = ?');
    params.push(name(filter.domain, 'listLifecycles.domain'));
  }
  const limit = filter.limit === undefined ? -1 : int(filter.limit, 'listLifecycles.limit');
  const offset = filter.offset === undefined ? 0 : int(filter.offset, 'listLifecycles.offset');
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM lifecycles WHERE ${where.join(' AND ')}
    ORDER BY step, split, suite, pack_id, rollout_index, id LIMIT ? OFFSET ?`;
  return ctx
    .stmt(sql)
    .all(...params, limit, offset)
    .map(toSummary);
}

export function selectLifecycle(ctx: StoreDb, id: number): LifecycleDetail {
  int(id, 'getLifecycle.id', 1);
  const r = ctx.stmt(`SELECT ${SUMMARY_COLUMNS}, hints FROM lifecycles WHERE id = ?`).get(id);
  if (!r) throw new CodError('not_found', 'no such lifecycle in the store', `lifecycle ${id}`);
  return {
    ...toSummary(r),
    hints: JSON.parse(String(r.hints)) as string[],
    samples: decodeSamples(ctx.stmt(SELECT_SAMPLES).all(id), `lifecycle ${id}`),
  };
}

/** Remove a suite's earlier eval of one checkpoint (re-running an eval replaces it). Returns how many went. */
export function deleteEvalLifecycles(ctx: StoreDb, runId: string, suite: string, checkpointStep: number): number {
  const res = ctx
    .stmt("DELETE FROM lifecycles WHERE run_id = ? AND split = 'eval' AND suite = ? AND checkpoint_step = ?")
    .run(runId, suite, checkpointStep);
  return Number(res.changes);
}
