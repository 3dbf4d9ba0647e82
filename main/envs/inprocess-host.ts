/**
 * EnvHost for trusted domains that run in this process (the built-in ones, test fixtures). It gives them the same
 * contract a sandboxed plugin host gives: plain-data results (views are structured-cloned), validated shapes, and
 * fault isolation — an exception or a malformed result from domain code fails only that pack handle, with a
 * CodError('env_fault') naming the domain; every later call on the handle repeats that error.
 */
import { CodError, isCodError } from '../base/errors.ts';
import { historyCompressionSchema, type HistoryCompression } from './history-compression.ts';
import type { EnvHost, HostStepResult, PackHandle, TaskStart } from './host.ts';
import { listDomains } from './registry.ts';
import {
  OUTCOMES,
  type Domain,
  type EpisodeEnd,
  type OpenPackArgs,
  type Outcome,
  type Pack,
  type StepResult,
  type TaskEpisode,
} from './sdk.ts';

type View = Readonly<Record<string, unknown>>;

export function envFault(domain: string, what: string, e: unknown): CodError {
  const msg = e instanceof Error ? e.message : String(e);
  return new CodError('env_fault', `${what}: ${msg}`, `domain '${domain}'`);
}

/** Thrown inside a handle when domain code returns something outside the SDK contract. */
class ContractViolation extends Error {}

function plainView(v: unknown): View {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ContractViolation('view() must return an object');
  try {
    return structuredClone(v) as View;
  } catch (e) {
    throw new ContractViolation(`view() is not plain data (${(e as Error).message})`);
  }
}

function checkEnd(v: Record<string, unknown>, what: string): EpisodeEnd {
  if (typeof v.reward !== 'number' || !Number.isFinite(v.reward))
    throw new ContractViolation(`${what}: reward must be a finite number, got ${String(v.reward)}`);
  if (!OUTCOMES.includes(v.outcome as Outcome))
    throw new ContractViolation(`${what}: unknown outcome '${String(v.outcome)}'`);
  if (typeof v.success !== 'boolean') throw new ContractViolation(`${what}: success must be a boolean`);
  if (typeof v.feedback !== 'string') throw new ContractViolation(`${what}: feedback must be a string`);
  for (const k of ['trajectory', 'trajectorySuffix'] as const) {
    if (v[k] !== undefined && typeof v[k] !== 'string') throw new ContractViolation(`${what}: ${k} must be a string`);
  }
  return {
    reward: v.reward,
    outcome: v.outcome as Outcome,
    success: v.success,
    feedback: v.feedback,
    ...(typeof v.trajectory === 'string' ? { trajectory: v.trajectory } : {}),
    ...(typeof v.trajectorySuffix === 'string' ? { trajectorySuffix: v.trajectorySuffix } : {}),
  };
}

function checkStep(v: unknown): StepResult {
  if (typeof v !== 'object' || v === null) throw new ContractViolation('step() must return an object');
  const r = v as Record<string, unknown>;
  if (r.done === false) {
    if (typeof r.observation !== 'string') throw new ContractViolation('step(): observation must be a string');
    return { done: false, observation: r.observation };
  }
  if (r.done !== true) throw new ContractViolation('step(): done must be a boolean');
  if (r.observation !== undefined && typeof r.observation !== 'string')
    throw new ContractViolation('step(): observation must be a string when present');
  return {
    done: true,
    ...checkEnd(r, 'step()'),
    ...(typeof r.observation === 'string' ? { observation: r.observation } : {}),
  };
}

function checkTurns(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new ContractViolation(`${what} must be a non-negative integer, got ${String(n)}`);
  return n;
}

function checkHistory(v: unknown): HistoryCompression | undefined {
  if (v === undefined) return undefined;
  const r = historyCompressionSchema.safeParse(v);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ContractViolation(`historyCompression${i.path.map((k) => `.${String(k)}`).join('')}: ${i.message}`);
  }
  return r.data;
}

class InProcessPack implements PackHandle {
  private episode: TaskEpisode | undefined;
  private episodeDone = false;
  private failure: CodError | undefined;
  private closed = false;

  constructor(
    readonly domain: string,
    readonly seed: string,
    private readonly pack: Pack,
    private readonly onClose: (h: InProcessPack) => void,
  ) {}

  /** Caller misuse (a closed handle, no task, an ended episode) is the caller's bug, not the environment's. */
  private usable(what: string): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new CodError('bad_input', `${what}: the pack handle is closed`, `domain '${this.domain}'`);
  }

  /** Run domain code; any exception or contract violation fails the handle for good. */
  private guard<T>(what: string, body: () => T): T {
    try {
      return body();
    } catch (e) {
      this.failure = envFault(this.domain, what, e);
      throw this.failure;
    }
  }

  private active(what: string): TaskEpisode {
    this.usable(what);
    if (!this.episode) throw new CodError('bad_input', `${what} before startTask`, `domain '${this.domain}'`);
    if (this.episodeDone) throw new CodError('bad_input', `${what} after the episode ended`, `domain '${this.domain}'`);
    return this.episode;
  }

  async startTask(index: number): Promise<TaskStart> {
    this.usable('startTask');
    if (!Number.isInteger(index) || index < 0)
      throw new CodError('bad_input', `task index must be a non-negative integer, got ${index}`);
    return this.guard(`startTask(${index})`, () => {
      const ep = this.pack.startTask(index);
      if (typeof ep !== 'object' || ep === null) throw new ContractViolation('startTask() must return an episode');
      const rules = ep.rules();
      const observation = ep.observation();
      if (typeof ep.taskId !== 'string') throw new ContractViolation('taskId must be a string');
      if (typeof rules !== 'string') throw new ContractViolation('rules() must return a string');
      if (typeof observation !== 'string') throw new ContractViolation('observation() must return a string');
      const maxTurns = checkTurns(ep.maxTurns, 'maxTurns');
      if (maxTurns < 1) throw new ContractViolation('maxTurns must be at least 1');
      const view = plainView(ep.view());
      const historyCompression = checkHistory(ep.historyCompression);
      this.episode = ep;
      this.episodeDone = false;
      return {
        taskId: ep.taskId,
        maxTurns,
        rules,
        observation,
        view,
        ...(historyCompression ? { historyCompression } : {}),
      };
    });
  }

  async step(action: string, response?: string): Promise<HostStepResult> {
    const ep = this.active('step');
    return this.guard(`step (task ${ep.taskId})`, () => {
      const r = checkStep(ep.step(action, response));
      const out = { ...r, view: plainView(ep.view()), turnsUsed: checkTurns(ep.turnsUsed(), 'turnsUsed()') };
      if (r.done) this.episodeDone = true;
      return out;
    });
  }

  async formatError(reason: string, response?: string): Promise<EpisodeEnd> {
    const ep = this.active('formatError');
    return this.guard(`formatError (task ${ep.taskId})`, () => {
      const end = checkEnd(ep.formatError(reason, response) as unknown as Record<string, unknown>, 'formatError()');
      this.episodeDone = true;
      return end;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.episode = undefined;
    this.onClose(this);
  }
}

export class InProcessEnvHost implements EnvHost {
  private readonly domains = new Map<string, Domain>();
  private readonly open = new Set<InProcessPack>();

  /** `domains`: the domains this host serves (default: the built-in registry). */
  constructor(domains: readonly Domain[] = listDomains()) {
    for (const d of domains) this.domains.set(d.id, d);
  }

  async openPack(domain: string, args: OpenPackArgs): Promise<PackHandle> {
    const d = this.domains.get(domain);
    if (!d)
      throw new CodError('not_found', `unknown domain '${domain}' (known: ${[...this.domains.keys()].join(', ')})`);
    let pack: Pack;
    try {
      pack = d.openPack(args);
    } catch (e) {
      // A bad preset or option is the caller's configuration error; anything else is the domain's fault.
      if (isCodError(e) && (e.code === 'bad_config' || e.code === 'unsupported')) throw e;
      throw envFault(domain, 'openPack', e);
    }
    if (typeof pack !== 'object' || pack === null || typeof pack.startTask !== 'function')
      throw envFault(domain, 'openPack', 'did not return a pack');
    const h = new InProcessPack(domain, args.seed, pack, (x) => this.open.delete(x));
    this.open.add(h);
    return h;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.open].map((h) => h.close()));
  }
}
