/**
 * The two episode types of a lifecycle (cod-method.md §2–3): a multi-turn solve episode and a single-turn
 * update-context episode. Each model call is collected as a CallDraft; the lifecycle turns drafts into records
 * once the episode's reward is known.
 */
import { CodError } from '../base/errors.ts';
import type { PackHandle, TaskStart } from '../envs/host.ts';
import { stableSeed } from '../envs/seed.ts';
import type { EpisodeEnd } from '../envs/sdk.ts';
import { ANSWER_CLOSE, parseAnswer } from './answer.ts';
import { budgetsFor, promptsFor, type LifecycleConfig } from './config.ts';
import { shownConversation } from './conversation.ts';
import { HINTS_END, parseHints } from './hints.ts';
import { renderSolveSystem, renderUpdateMessages, type TrajectoryStep } from './prompt-render.ts';
import type { ChatMessage, EpisodeKind, PolicyRequest, PolicyResponse } from './policy.ts';

type View = Readonly<Record<string, unknown>>;

export interface EpisodeContext {
  readonly lifecycleId: string;
  readonly domain: string;
  /** Pack position j. */
  readonly position: number;
  /** The lifecycle's seed; each request's seed derives from it. */
  readonly seed: string;
  readonly config: LifecycleConfig;
  /** Send one request to the policy that serves this episode kind (through the batch scheduler). */
  readonly call: (request: PolicyRequest) => Promise<PolicyResponse>;
}

export interface CallDraft {
  /** The environment's id of the task the call is about. */
  readonly taskId: string;
  /** 0-based call within its episode. */
  readonly turn: number;
  readonly request: PolicyRequest;
  readonly response: PolicyResponse;
  readonly parseOk: boolean;
  readonly parseError?: string;
}

function request(
  ctx: EpisodeContext,
  kind: EpisodeKind,
  turn: number,
  fields: Pick<PolicyRequest, 'messages' | 'stop' | 'maxNewTokens' | 'view' | 'hints' | 'end'>,
): PolicyRequest {
  return {
    id: `${ctx.lifecycleId}/${ctx.position}/${kind}/${turn}`,
    kind,
    lifecycleId: ctx.lifecycleId,
    domain: ctx.domain,
    position: ctx.position,
    seed: stableSeed(ctx.seed, ctx.position, kind, turn),
    ...fields,
  };
}

async function ask(ctx: EpisodeContext, req: PolicyRequest): Promise<PolicyResponse> {
  const res = await ctx.call(req);
  // A per-request failure (e.g. a scripted agent threw) fails this lifecycle only, with the policy's error code.
  if (res.error) throw new CodError(res.error.code, res.error.message, `request ${req.id}`);
  return res;
}

export interface SolveResult {
  readonly start: TaskStart;
  readonly steps: TrajectoryStep[];
  readonly end: EpisodeEnd;
  /** Successful environment steps (a response without an answer block takes none). */
  readonly envSteps: number;
  readonly finalView: View;
}

/**
 * Solve task `task` with context `hints`: system = rules + hint section, user turns = observations, assistant
 * turns = the responses verbatim; older user turns shortened where the task gives a HistoryCompression rule. Ends
 * when the environment says so (a response without a valid answer block ends it through `formatError`).
 */
export async function runSolveEpisode(
  handle: PackHandle,
  task: number,
  hints: string,
  ctx: EpisodeContext,
  drafts: CallDraft[],
): Promise<SolveResult> {
  const start = await handle.startTask(task);
  const t = promptsFor(ctx.config, ctx.domain);
  const budgets = budgetsFor(ctx.config, ctx.domain);
  // The paper protocol generates until EOS or the token budget, as the reference does (no stop strings).
  const stop = ctx.config.protocol === 'paper' ? [] : [ANSWER_CLOSE];
  let messages: ChatMessage[] = [
    { role: 'system', content: renderSolveSystem(t, start.rules, hints, budgets.lengthInstructionTokens) },
    { role: 'user', content: start.observation },
  ];
  const steps: TrajectoryStep[] = [];
  let observation = start.observation;
  let view = start.view;
  let envSteps = 0;
  for (let turn = 0; ; turn++) {
    if (turn >= start.maxTurns)
      throw new CodError(
        'env_fault',
        `task ${start.taskId} did not end after maxTurns = ${start.maxTurns} actions`,
        `domain '${ctx.domain}'`,
      );
    const req = request(ctx, 'solve', turn, {
      messages: shownConversation(messages, start.historyCompression),
      stop,
      maxNewTokens: budgets.solveMaxNewTokens,
      view,
      hints,
    });
    const res = await ask(ctx, req);
    const parsed = parseAnswer(res.text);
    drafts.push({
      taskId: start.taskId,
      turn,
      request: req,
      response: res,
      parseOk: parsed.ok,
      ...(parsed.ok ? {} : { parseError: parsed.reason }),
    });
    steps.push({ observation, response: res.text, ...(parsed.ok ? { answer: parsed.answer } : {}) });
    if (!parsed.ok) {
      const end = await handle.formatError(parsed.reason, res.text);
      return { start, steps, end, envSteps, finalView: view };
    }
    const r = await handle.step(parsed.answer, res.text);
    envSteps++;
    view = r.view;
    if (r.done) {
      const end: EpisodeEnd = {
        reward: r.reward,
        outcome: r.outcome,
        success: r.success,
        feedback: r.feedback,
        ...(r.trajectory !== undefined ? { trajectory: r.trajectory } : {}),
        ...(r.trajectorySuffix !== undefined ? { trajectorySuffix: r.trajectorySuffix } : {}),
      };
      return { start, steps, end, envSteps, finalView: view };
    }
    observation = r.observation;
    messages = [...messages, { role: 'assistant', content: res.text }, { role: 'user', content: r.observation }];
  }
}

export interface UpdateResult {
  readonly hints: string;
  readonly reward: number;
  readonly parseOk: boolean;
}

/** One update-context call after a solve episode: z_{j+1} from (z_j, the trajectory, its reward and feedback). */
export async function runUpdateEpisode(
  hints: string,
  solved: SolveResult,
  ctx: EpisodeContext,
  drafts: CallDraft[],
): Promise<UpdateResult> {
  const paper = ctx.config.protocol === 'paper';
  const budgets = budgetsFor(ctx.config, ctx.domain);
  const messages = renderUpdateMessages(promptsFor(ctx.config, ctx.domain), {
    previousHints: hints,
    rules: solved.start.rules,
    steps: solved.steps,
    reward: solved.end.reward,
    feedback: solved.end.feedback,
    previousHintsVerbatim: paper,
    // The reference's own trajectory text where a paper preset supplies it.
    ...(paper && solved.end.trajectory !== undefined ? { trajectoryText: solved.end.trajectory } : {}),
    ...(paper && solved.end.trajectorySuffix !== undefined ? { trajectorySuffix: solved.end.trajectorySuffix } : {}),
    ...(budgets.lengthInstructionTokens !== undefined ? { maxTokens: budgets.lengthInstructionTokens } : {}),
  });
  const req = request(ctx, 'update', 0, {
    messages,
    stop: paper ? [] : [HINTS_END],
    maxNewTokens: budgets.updateMaxNewTokens,
    view: solved.finalView,
    hints,
    end: solved.end,
  });
  const res = await ask(ctx, req);
  const parsed = parseHints(res.text, { emptyIsFailure: paper });
  drafts.push({
    taskId: solved.start.taskId,
    turn: 0,
    request: req,
    response: res,
    parseOk: parsed.ok,
    ...(parsed.ok ? {} : { parseError: parsed.reason }),
  });
  return { hints: parsed.hints, reward: parsed.reward, parseOk: parsed.ok };
}
