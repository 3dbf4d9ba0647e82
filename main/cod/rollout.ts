/**
 * A rollout: every pack played G times (the group), all lifecycles concurrently, their model calls batched across
 * lifecycles by the CallScheduler. An env fault fails only its own lifecycle (recorded in its result); a policy
 * failure or a configuration error aborts the whole rollout once every running lifecycle has stopped.
 */
import { CodError } from '../base/errors.ts';
import type { EnvHost } from '../envs/host.ts';
import { stableSeed } from '../envs/seed.ts';
import type { LifecycleConfig } from './config.ts';
import { runLifecycle, type LifecycleSpec } from './lifecycle.ts';
import type { PackSpec } from './packs.ts';
import type { Policy } from './policy.ts';
import type { CallRecord, LifecycleResult } from './records.ts';
import { CallScheduler, type SchedulerOptions, type SchedulerStats } from './scheduler.ts';

export interface RolloutOptions {
  readonly host: EnvHost;
  /** Serves the solve calls, and the update calls unless `updatePolicy` is given. */
  readonly policy: Policy;
  /** A separate policy for update-context calls (e.g. scripted oracle notes beside a model). */
  readonly updatePolicy?: Policy;
  readonly packs: readonly PackSpec[];
  /** G: rollouts per pack. */
  readonly groupSize: number;
  readonly config: LifecycleConfig;
  readonly runId?: string;
  /** Mixed into every lifecycle seed (e.g. the training step), so steps sample differently. */
  readonly seed?: string;
  readonly scheduler?: Partial<SchedulerOptions>;
  /** Most lifecycles running at once (each holds an open pack). Default: all. */
  readonly maxActive?: number;
  readonly keepRecords?: boolean;
  readonly onRecord?: (r: CallRecord) => void;
  readonly onLifecycle?: (r: LifecycleResult) => void;
  /**
   * Stop early: no lifecycle starts after the abort, queued model calls reject with the signal's reason, and the
   * rollout rejects with it once its running lifecycles have unwound (a batch already sent still finishes).
   */
  readonly signal?: AbortSignal;
}

export interface RolloutResult {
  /** One per (pack, rollout index), in pack order then rollout index — independent of completion order. */
  readonly lifecycles: LifecycleResult[];
  readonly scheduler: SchedulerStats;
}

export function lifecycleSpecs(
  packs: readonly PackSpec[],
  groupSize: number,
  seed = '',
  runId?: string,
): LifecycleSpec[] {
  if (!Number.isInteger(groupSize) || groupSize < 1)
    throw new CodError('bad_config', `must be a positive integer, got ${groupSize}`, 'groupSize');
  const ids = new Set<string>();
  const specs: LifecycleSpec[] = [];
  for (const pack of packs) {
    if (ids.has(pack.id)) throw new CodError('bad_config', `pack '${pack.id}' appears twice`, 'packs');
    ids.add(pack.id);
    if (pack.tasks.length < 1) throw new CodError('bad_config', `pack '${pack.id}' has no tasks`, 'packs');
    for (let g = 0; g < groupSize; g++) {
      specs.push({
        lifecycleId: `${pack.id}#${g}`,
        pack,
        rolloutIndex: g,
        seed: stableSeed('lifecycle', seed, pack.id, pack.seed, g),
        ...(runId !== undefined ? { runId } : {}),
      });
    }
  }
  return specs;
}

export async function runRollout(o: RolloutOptions): Promise<RolloutResult> {
  const specs = lifecycleSpecs(o.packs, o.groupSize, o.seed, o.runId);
  const maxActive = o.maxActive ?? specs.length;
  if (!Number.isInteger(maxActive) || maxActive < 1)
    throw new CodError('bad_config', `must be a positive integer, got ${maxActive}`, 'maxActive');
  const scheduler = new CallScheduler(o.scheduler);
  const updatePolicy = o.updatePolicy ?? o.policy;
  const results: LifecycleResult[] = new Array(specs.length);
  let fatal: { error: unknown } | undefined;
  let next = 0;
  const onAbort = (): void => {
    const why = o.signal?.reason ?? new CodError('internal', 'rollout stopped');
    if (fatal === undefined) fatal = { error: why };
    scheduler.abort(why);
  };
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });

  const worker = async (): Promise<void> => {
    while (fatal === undefined && next < specs.length) {
      const i = next++;
      const spec = specs[i];
      scheduler.enter();
      try {
        results[i] = await runLifecycle(spec, o.config, {
          host: o.host,
          call: (kind, req) => scheduler.call(kind === 'update' ? updatePolicy : o.policy, req),
          ...(o.onRecord ? { onRecord: o.onRecord } : {}),
          keepRecords: o.keepRecords ?? true,
        });
        o.onLifecycle?.(results[i]);
      } catch (e) {
        if (fatal === undefined) fatal = { error: e };
        scheduler.abort(e);
      } finally {
        o.policy.endLifecycle?.(spec.lifecycleId);
        if (updatePolicy !== o.policy) updatePolicy.endLifecycle?.(spec.lifecycleId);
        scheduler.leave();
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(maxActive, specs.length) }, worker));
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (fatal !== undefined) throw fatal.error;
  return { lifecycles: results, scheduler: scheduler.stats() };
}
