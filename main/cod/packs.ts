/**
 * Packs: which environment instance and which task sequence one lifecycle plays (cod-method.md §1, §5).
 * - `cod`: S different tasks of one instance.
 * - `ralph_sample`: the first task of each chunk repeated S times (Ralph loop, one pack per chunk).
 * - `ralph_full`: every task of each chunk repeated S times (Ralph loop, one pack per task).
 * Pack seeds are stable sha256 digests of (dataset id, domain, split, pack index), so the same pack rebuilds the
 * same instance in every process. A pack never mixes domains; a short chunk is padded cyclically to S.
 */
import { CodError } from '../base/errors.ts';
import { stableSeed } from '../envs/seed.ts';

export type PackStrategy = 'cod' | 'ralph_sample' | 'ralph_full';
export const PACK_STRATEGIES: readonly PackStrategy[] = ['cod', 'ralph_sample', 'ralph_full'];

/** Paper defaults (cod-method.md §1): S = 4 tasks per training pack, 8 per evaluation pack; G = 8 rollouts. */
export const TRAIN_PACK_SIZE = 4;
export const EVAL_PACK_SIZE = 8;
export const DEFAULT_GROUP_SIZE = 8;

export interface PackSpec {
  /** Unique, stable id, e.g. 'ds1/frozenlake/eval/3' (ralph_full adds '/t<task>'). */
  readonly id: string;
  readonly datasetId: string;
  readonly domain: string;
  readonly preset: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly split: string;
  /** Index of the chunk (environment instance) within (dataset, domain, split). */
  readonly index: number;
  /** Stable instance seed: stableSeed(datasetId, domain, split, index). */
  readonly seed: string;
  readonly strategy: PackStrategy;
  /** Task indices in play order; its length is the pack size S. */
  readonly tasks: readonly number[];
}

export function packSeed(datasetId: string, domain: string, split: string, index: number): string {
  return stableSeed(datasetId, domain, split, index);
}

/** `items` repeated cyclically to exactly `size` entries (a short chunk [a, b] with S = 5 → [a, b, a, b, a]). */
export function padCyclic<T>(items: readonly T[], size: number): T[] {
  if (items.length === 0) throw new CodError('bad_input', 'cannot pad an empty group');
  return Array.from({ length: size }, (_, i) => items[i % items.length]);
}

function positiveInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new CodError('bad_config', `must be a positive integer, got ${String(v)}`, name);
  return v;
}

function nonNegativeInt(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new CodError('bad_config', `must be a non-negative integer, got ${String(v)}`, name);
  return v;
}

function nonEmpty(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new CodError('bad_config', 'must be a non-empty string', name);
  return v;
}

function checkStrategy(s: unknown): PackStrategy {
  if (!PACK_STRATEGIES.includes(s as PackStrategy))
    throw new CodError(
      'bad_config',
      `unknown pack strategy '${String(s)}' (${PACK_STRATEGIES.join(', ')})`,
      'strategy',
    );
  return s as PackStrategy;
}

/** What every pack of one dataset chunk shares. */
interface ChunkBase {
  readonly datasetId: string;
  readonly domain: string;
  readonly preset: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly split: string;
  readonly strategy: PackStrategy;
  /** S. */
  readonly packSize: number;
}

/** The packs one chunk (one instance, its distinct tasks in order) yields under a strategy. */
function packsOfChunk(b: ChunkBase, index: number, chunkTasks: readonly number[]): PackSpec[] {
  const seed = packSeed(b.datasetId, b.domain, b.split, index);
  const id = `${b.datasetId}/${b.domain}/${b.split}/${index}`;
  const base = {
    datasetId: b.datasetId,
    domain: b.domain,
    preset: b.preset,
    ...(b.options ? { options: b.options } : {}),
    split: b.split,
    index,
    seed,
    strategy: b.strategy,
  };
  switch (b.strategy) {
    case 'cod':
      return [{ ...base, id, tasks: padCyclic(chunkTasks, b.packSize) }];
    case 'ralph_sample':
      return [{ ...base, id, tasks: padCyclic(chunkTasks.slice(0, 1), b.packSize) }];
    case 'ralph_full':
      return chunkTasks.map((t) => ({ ...base, id: `${id}/t${t}`, tasks: padCyclic([t], b.packSize) }));
  }
}

export interface PackPlan extends ChunkBase {
  /** Number of chunks (instances). `ralph_full` yields one pack per task of each chunk. */
  readonly count: number;
  /** Index of the first chunk (to continue a dataset across steps). Default 0. */
  readonly firstIndex?: number;
  /**
   * Distinct tasks each instance offers (default S). Fewer than S makes short chunks, padded cyclically under `cod`.
   */
  readonly tasksPerInstance?: number;
}

/** Packs of a procedural domain: chunk i is instance i, its tasks are 0..min(S, tasksPerInstance)-1. */
export function planPacks(plan: PackPlan): PackSpec[] {
  const packSize = positiveInt(plan.packSize, 'packSize');
  const count = nonNegativeInt(plan.count, 'count');
  const first = nonNegativeInt(plan.firstIndex ?? 0, 'firstIndex');
  const distinct = Math.min(packSize, positiveInt(plan.tasksPerInstance ?? packSize, 'tasksPerInstance'));
  const b: ChunkBase = {
    datasetId: nonEmpty(plan.datasetId, 'datasetId'),
    domain: nonEmpty(plan.domain, 'domain'),
    preset: nonEmpty(plan.preset, 'preset'),
    ...(plan.options ? { options: plan.options } : {}),
    split: nonEmpty(plan.split, 'split'),
    strategy: checkStrategy(plan.strategy),
    packSize,
  };
  const tasks = Array.from({ length: distinct }, (_, t) => t);
  const out: PackSpec[] = [];
  for (let i = first; i < first + count; i++) out.push(...packsOfChunk(b, i, tasks));
  return out;
}

/** One row of an explicit task list (a curriculum may list tasks instead of generating them). */
export interface TaskRow {
  readonly domain: string;
  readonly preset: string;
  readonly task: number;
}

/**
 * Packs from an explicit task list: rows are grouped by (domain, preset) in order of first appearance (a pack
 * never mixes domains), each group is cut into chunks of S in order, and a short last chunk is padded cyclically.
 */
export function packsFromRows(
  rows: readonly TaskRow[],
  opts: { datasetId: string; split: string; strategy: PackStrategy; packSize: number },
): PackSpec[] {
  const packSize = positiveInt(opts.packSize, 'packSize');
  const strategy = checkStrategy(opts.strategy);
  const groups = new Map<string, { domain: string; preset: string; tasks: number[] }>();
  rows.forEach((r, i) => {
    nonEmpty(r.domain, `rows[${i}].domain`);
    nonEmpty(r.preset, `rows[${i}].preset`);
    nonNegativeInt(r.task, `rows[${i}].task`);
    const key = `${r.domain}\u0000${r.preset}`;
    const g = groups.get(key) ?? { domain: r.domain, preset: r.preset, tasks: [] };
    g.tasks.push(r.task);
    groups.set(key, g);
  });
  const out: PackSpec[] = [];
  const nextChunk = new Map<string, number>();
  for (const g of groups.values()) {
    // Chunk indices run on per domain so two presets of one domain never share an instance seed.
    const first = nextChunk.get(g.domain) ?? 0;
    const b: ChunkBase = {
      datasetId: nonEmpty(opts.datasetId, 'datasetId'),
      domain: g.domain,
      preset: g.preset,
      split: nonEmpty(opts.split, 'split'),
      strategy,
      packSize,
    };
    const chunks = Math.ceil(g.tasks.length / packSize);
    for (let c = 0; c < chunks; c++) {
      out.push(...packsOfChunk(b, first + c, g.tasks.slice(c * packSize, (c + 1) * packSize)));
    }
    nextChunk.set(g.domain, first + chunks);
  }
  return out;
}
