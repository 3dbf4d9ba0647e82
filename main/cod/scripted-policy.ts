/**
 * A Policy backed by a domain's scripted agents (environments.md "CoD-ness check"): the oracle and random
 * reference agents, and the "scripted oracle notes" baseline beside a model. Solve requests become
 * `<answer>{agent.act(hints, view)}</answer>`; update requests become a brief reasoning line plus the agent's notes
 * between the hint delimiters — the same text contract a model must meet, parsed by the same code.
 */
import { CodError, isCodError } from '../base/errors.ts';
import { stableSeed } from '../envs/seed.ts';
import type { Domain, DomainWithAgents, ScriptedAgent, ScriptedAgentKind } from '../envs/sdk.ts';
import { ANSWER_CLOSE, ANSWER_OPEN } from './answer.ts';
import { HINTS_END, HINTS_START } from './hints.ts';
import { formatReward } from './prompt-render.ts';
import type { Policy, PolicyRequest, PolicyResponse } from './policy.ts';

export interface ScriptedPolicyOptions {
  readonly kind: ScriptedAgentKind;
  /** Base seed of the agents' own randomness (each agent's seed derives from it and its lifecycle). */
  readonly seed: string;
  /** Probability that the oracle drops or corrupts each fact it writes (0 = perfect notes). */
  readonly noteNoise?: number;
  /**
   * 'lifecycle' (default): one agent per lifecycle. 'task': a fresh agent per pack position (the solve episode and
   * the update after it share one), which guarantees the context z is the agent's only memory across tasks.
   */
  readonly agentScope?: 'lifecycle' | 'task';
}

export function isDomainWithAgents(d: unknown): d is DomainWithAgents {
  return typeof d === 'object' && d !== null && typeof (d as DomainWithAgents).scriptedAgent === 'function';
}

/** The domain as one that ships scripted agents, or CodError('unsupported'). */
export function requireScriptedAgents(d: Domain): DomainWithAgents {
  if (!isDomainWithAgents(d)) throw new CodError('unsupported', `domain '${d.id}' ships no scripted agents`);
  return d;
}

/** A scripted agent's solve response: its thought (when it states one), then its action in the answer block. */
export function scriptedSolveResponse(
  agent: ScriptedAgent,
  hints: string,
  view: Readonly<Record<string, unknown>>,
): string {
  const action = agent.act(hints, view);
  if (typeof action !== 'string') throw new Error('act() must return a string');
  const thought = agent.thought?.() ?? '';
  if (typeof thought !== 'string') throw new Error('thought() must return a string');
  return `${thought ? `${thought} ` : ''}${ANSWER_OPEN}${action}${ANSWER_CLOSE}`;
}

export class ScriptedPolicy implements Policy {
  readonly name: string;
  /** The live agent of each lifecycle (under 'task' scope, with the position it was made for). */
  private readonly agents = new Map<string, { position: number; agent: ScriptedAgent }>();
  private readonly noteNoise: number;
  private readonly scope: 'lifecycle' | 'task';

  constructor(
    private readonly domain: DomainWithAgents,
    private readonly opts: ScriptedPolicyOptions,
  ) {
    if (!isDomainWithAgents(domain))
      throw new CodError('unsupported', `domain '${String((domain as { id?: unknown }).id)}' ships no scripted agents`);
    this.noteNoise = opts.noteNoise ?? 0;
    if (!(this.noteNoise >= 0 && this.noteNoise <= 1))
      throw new CodError('bad_config', `must be in [0, 1], got ${String(opts.noteNoise)}`, 'noteNoise');
    this.scope = opts.agentScope ?? 'lifecycle';
    this.name = `scripted:${domain.id}:${opts.kind}`;
  }

  private agent(req: PolicyRequest): ScriptedAgent {
    const live = this.agents.get(req.lifecycleId);
    if (live && (this.scope === 'lifecycle' || live.position === req.position)) return live.agent;
    const agent = this.domain.scriptedAgent({
      kind: this.opts.kind,
      seed: stableSeed('scripted-agent', this.opts.seed, req.lifecycleId, this.scope === 'task' ? req.position : ''),
      noteNoise: this.noteNoise,
    });
    this.agents.set(req.lifecycleId, { position: req.position, agent });
    return agent;
  }

  private answer(req: PolicyRequest): string {
    if (req.domain !== this.domain.id)
      throw new CodError('bad_input', `request for domain '${req.domain}' sent to ${this.name}`);
    const agent = this.agent(req);
    const hints = req.hints ?? '';
    const view = req.view ?? {};
    if (req.kind === 'solve') return scriptedSolveResponse(agent, hints, view);
    if (!req.end) throw new CodError('bad_input', `update request ${req.id} carries no episode end`);
    const notes = agent.writeNotes(hints, view, req.end);
    if (typeof notes !== 'string') throw new Error('writeNotes() must return a string');
    const reasoning = `Task ${req.position + 1} ended (${req.end.outcome}, reward ${formatReward(req.end.reward)}); updating the notes with what it revealed.`;
    return `${reasoning}\n${HINTS_START}\n${notes.trim()}\n${HINTS_END}`;
  }

  async respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
    return batch.map((req) => {
      try {
        return { text: this.answer(req) };
      } catch (e) {
        if (isCodError(e) && e.code === 'bad_input') throw e; // the runner's bug: abort the rollout
        // The agents are domain code: their faults fail only the lifecycle that asked.
        const message = `scripted ${this.opts.kind} agent of '${this.domain.id}': ${e instanceof Error ? e.message : String(e)}`;
        return { text: '', error: { code: 'env_fault' as const, message } };
      }
    });
  }

  endLifecycle(lifecycleId: string): void {
    this.agents.delete(lifecycleId);
  }
}
