/**
 * Credit assignment for one rollout step (cod-method.md §4): returns per episode, the group baseline per slot
 * (pack × episode type × position, over the pack's G rollouts), then adaptive RED-Weight over all samples of the
 * step. Every model call of an episode is one sample carrying that episode's advantage. Lifecycles that failed
 * (env fault) have no complete returns and give no samples; their group mates are baselined without them.
 */
import { CodError } from '../base/errors.ts';
import { groupAdvantages, type BaselineOptions } from './baseline.ts';
import type { EpisodeKind } from './policy.ts';
import type { CallRecord, LifecycleResult } from './records.ts';
import { redWeight, type RedWeightOptions } from './red-weight.ts';
import { DEFAULT_RETURNS, lifecycleReturns, type ReturnOptions } from './returns.ts';

export interface CreditOptions {
  readonly returns?: ReturnOptions;
  readonly baseline?: Partial<BaselineOptions>;
  /** Adaptive RED-Weight (the method's default); false leaves the baselined advantages as they are. */
  readonly redWeight?: boolean | Partial<RedWeightOptions>;
  /** L_e of a sample: its response token count; defaults to tokenIds.length, else the response's characters. */
  readonly responseLength?: (r: CallRecord) => number;
}

export interface CreditSample {
  readonly record: CallRecord;
  /** The episode's return R. */
  readonly return: number;
  /** The final advantage (after the baseline and RED-Weight). */
  readonly advantage: number;
}

export interface CreditResult {
  readonly samples: CreditSample[];
  /** RED-Weight temperature (null when it did not apply or is off). */
  readonly redTemperature: number | null;
  readonly failedLifecycles: number;
  /** Slots dropped by zero-variance filtering. */
  readonly filteredSlots: number;
  readonly slots: number;
}

function defaultLength(r: CallRecord): number {
  return r.tokenIds ? r.tokenIds.length : r.response.length;
}

export function assignCredit(lifecycles: readonly LifecycleResult[], options: CreditOptions = {}): CreditResult {
  const returnsOpt = options.returns ?? DEFAULT_RETURNS;
  const ok = lifecycles.filter((l) => !l.error);
  // slot key -> the returns of its group members, and the records of each member's episode
  const slots = new Map<string, { returns: number[]; records: CallRecord[][] }>();
  for (const l of ok) {
    const R = lifecycleReturns(l.taskRewards, l.updateRewards, returnsOpt);
    const byEpisode = new Map<string, CallRecord[]>();
    for (const rec of l.records) {
      const k = `${rec.episodeKind}\u0000${rec.position}`;
      const list = byEpisode.get(k) ?? [];
      list.push(rec);
      byEpisode.set(k, list);
    }
    const add = (kind: EpisodeKind, j: number, ret: number): void => {
      const key = `${l.packId}\u0000${kind}\u0000${j}`;
      const slot = slots.get(key) ?? { returns: [], records: [] };
      slot.returns.push(ret);
      slot.records.push(byEpisode.get(`${kind}\u0000${j}`) ?? []);
      slots.set(key, slot);
    };
    R.solve.forEach((ret, j) => add('solve', j, ret));
    R.update.forEach((ret, j) => add('update', j, ret));
  }
  const staged: { record: CallRecord; ret: number; adv: number }[] = [];
  let filteredSlots = 0;
  for (const slot of slots.values()) {
    const g = groupAdvantages(slot.returns, options.baseline);
    if (g.filtered) {
      filteredSlots++;
      continue;
    }
    slot.records.forEach((recs, m) => {
      for (const record of recs) staged.push({ record, ret: slot.returns[m], adv: g.advantages[m] });
    });
  }
  let advantages = staged.map((s) => s.adv);
  let redTemperature: number | null = null;
  if (options.redWeight !== false && staged.length > 0) {
    const len = options.responseLength ?? defaultLength;
    const lengths = staged.map((s) => {
      const n = len(s.record);
      if (!Number.isFinite(n) || n < 0)
        throw new CodError('bad_input', `response length of ${s.record.requestId} must be ≥ 0, got ${n}`);
      return n;
    });
    const w = redWeight(advantages, lengths, typeof options.redWeight === 'object' ? options.redWeight : {});
    advantages = w.advantages;
    redTemperature = w.temperature;
  }
  return {
    samples: staged.map((s, i) => ({ record: s.record, return: s.ret, advantage: advantages[i] })),
    redTemperature,
    failedLifecycles: lifecycles.length - ok.length,
    filteredSlots,
    slots: slots.size,
  };
}
