/**
 * One lifecycle (cod-method.md §1): a pack's S tasks solved in order, each conditioned on the context z_j, with an
 * update-context episode after every task but the last whose output replaces z. One record per model call.
 * An env fault (CodError 'env_fault') fails this lifecycle only, with the error recorded; any other error is the
 * caller's to handle (the rollout aborts on it).
 */
import { isCodError } from '../base/errors.ts';
import type { EnvHost, PackHandle } from '../envs/host.ts';
import type { Outcome } from '../envs/sdk.ts';
import type { LifecycleConfig } from './config.ts';
import { runSolveEpisode, runUpdateEpisode, type CallDraft, type EpisodeContext } from './episode.ts';
import { HINTS_NULL } from './hints.ts';
import { AppendLog } from './memory.ts';
import type { PackSpec } from './packs.ts';
import { renderLogEntry } from './prompt-render.ts';
import type { EpisodeKind, PolicyRequest, PolicyResponse } from './policy.ts';
import type { CallRecord, FaultOutcome, LifecycleResult, RecordError, UpdateOutcome } from './records.ts';

export interface LifecycleSpec {
  readonly lifecycleId: string;
  readonly pack: PackSpec;
  readonly rolloutIndex: number;
  /** Seed of this lifecycle's sampling (each request seed derives from it). */
  readonly seed: string;
  readonly runId?: string;
}

export interface LifecycleDeps {
  readonly host: EnvHost;
  /** Route a request to the policy serving its kind. */
  readonly call: (kind: EpisodeKind, request: PolicyRequest) => Promise<PolicyResponse>;
  /** Called with each record as soon as its episode's reward is known. */
  readonly onRecord?: (r: CallRecord) => void;
  /** Keep the records in the result (default true); false when a caller only streams them. */
  readonly keepRecords?: boolean;
}

interface EpisodeMeta {
  readonly position: number;
  readonly task: number;
  readonly hintBefore: string;
}

interface EpisodeSettle {
  readonly reward: number;
  readonly outcome: Outcome | UpdateOutcome | FaultOutcome;
  readonly envSteps: number;
  readonly hintAfter?: string;
  readonly feedback?: string;
  readonly error?: RecordError;
}

export async function runLifecycle(
  spec: LifecycleSpec,
  config: LifecycleConfig,
  deps: LifecycleDeps,
): Promise<LifecycleResult> {
  const { pack } = spec;
  const keep = deps.keepRecords ?? true;
  const S = pack.tasks.length;
  const result: LifecycleResult = {
    ...(spec.runId !== undefined ? { runId: spec.runId } : {}),
    lifecycleId: spec.lifecycleId,
    packId: pack.id,
    domain: pack.domain,
    preset: pack.preset,
    strategy: pack.strategy,
    rolloutIndex: spec.rolloutIndex,
    memory: config.memory,
    tasks: [...pack.tasks],
    taskRewards: [],
    outcomes: [],
    envSteps: [],
    updateRewards: [],
    hintParseOk: [],
    hints: [],
    records: [],
  };

  const emit = (drafts: readonly CallDraft[], meta: EpisodeMeta, settle: EpisodeSettle): void => {
    for (const d of drafts) {
      const rec: CallRecord = {
        ...(spec.runId !== undefined ? { runId: spec.runId } : {}),
        lifecycleId: spec.lifecycleId,
        packId: pack.id,
        domain: pack.domain,
        rolloutIndex: spec.rolloutIndex,
        position: meta.position,
        task: meta.task,
        taskId: d.taskId,
        episodeKind: d.request.kind,
        turn: d.turn,
        requestId: d.request.id,
        seed: d.request.seed,
        messages: d.request.messages,
        response: d.response.text,
        ...(d.response.tokenIds ? { tokenIds: d.response.tokenIds } : {}),
        ...(d.response.logprobs ? { logprobs: d.response.logprobs } : {}),
        ...(d.response.promptIds ? { promptIds: d.response.promptIds } : {}),
        ...(d.response.truncated !== undefined ? { truncated: d.response.truncated } : {}),
        hintBefore: meta.hintBefore,
        ...(settle.hintAfter !== undefined ? { hintAfter: settle.hintAfter } : {}),
        ...(settle.feedback !== undefined ? { feedback: settle.feedback } : {}),
        reward: settle.reward,
        outcome: settle.outcome,
        parseOk: d.parseOk,
        ...(d.parseError !== undefined ? { parseError: d.parseError } : {}),
        envSteps: settle.envSteps,
        ...(settle.error ? { error: settle.error } : {}),
      };
      if (keep) result.records.push(rec);
      deps.onRecord?.(rec);
    }
  };

  let handle: PackHandle | undefined;
  // Calls of the episode in progress, and what identifies it: flushed as faulted records if it is cut short.
  let drafts: CallDraft[] = [];
  let meta: EpisodeMeta | undefined;
  try {
    handle = await deps.host.openPack(pack.domain, {
      seed: pack.seed,
      preset: pack.preset,
      rendering: config.rendering,
      ...(pack.options ? { options: pack.options } : {}),
      packSize: S,
      packIndex: pack.index,
    });
    const log = config.memory === 'append_log' ? new AppendLog(config.memoryCharBudget) : undefined;
    let z = HINTS_NULL;
    for (let j = 0; j < S; j++) {
      const task = pack.tasks[j];
      result.hints.push(z);
      const ctx = (kind: EpisodeKind): EpisodeContext => ({
        lifecycleId: spec.lifecycleId,
        domain: pack.domain,
        position: j,
        seed: spec.seed,
        config,
        call: (req) => deps.call(kind, req),
      });
      drafts = [];
      meta = { position: j, task, hintBefore: z };
      const solved = await runSolveEpisode(handle, task, z, ctx('solve'), drafts);
      emit(drafts, meta, {
        reward: solved.end.reward,
        outcome: solved.end.outcome,
        envSteps: solved.envSteps,
        feedback: solved.end.feedback,
      });
      drafts = [];
      result.taskRewards.push(solved.end.reward);
      result.outcomes.push(solved.end.outcome);
      result.envSteps.push(solved.envSteps);
      if (j === S - 1) break; // no update after the last task

      if (config.memory === 'notes') {
        const upd = await runUpdateEpisode(z, solved, ctx('update'), drafts);
        emit(drafts, meta, {
          reward: upd.reward,
          outcome: upd.parseOk ? 'hints_updated' : 'hints_format_error',
          envSteps: 0,
          hintAfter: upd.hints,
        });
        drafts = [];
        result.updateRewards.push(upd.reward);
        result.hintParseOk.push(upd.parseOk);
        z = upd.hints;
      } else if (log) {
        log.append(renderLogEntry(config.prompts, j, solved.steps, solved.end.reward, solved.end.feedback));
        z = log.context();
      } else {
        z = HINTS_NULL;
      }
    }
  } catch (e) {
    if (!(isCodError(e) && e.code === 'env_fault')) throw e;
    const error: RecordError = { code: e.code, message: e.message };
    if (meta && drafts.length > 0) emit(drafts, meta, { reward: 0, outcome: 'env_fault', envSteps: 0, error });
    return { ...result, error };
  } finally {
    await handle?.close().catch(() => undefined);
  }
  return result;
}
