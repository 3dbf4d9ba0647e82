/**
 * SandboxEnvHost: the EnvHost for third-party plugin domains. Each plugin runs in a small pool of sandbox
 * processes (never in the workbench process). A pack whose plugin throws, hangs, runs out of memory, or breaks
 * the protocol fails on its own with CodError('env_fault'); the host stays usable. Packs that merely shared a
 * process with the culprit are rebuilt in a fresh process by replaying their calls (domains are deterministic in
 * seed + actions), and a replay that does not reproduce the recorded results is itself a fault.
 */
import { CodError } from '../../base/errors.ts';
import type { EnvHost, HostStepResult, PackHandle, TaskStart } from '../host.ts';
import type { PluginInfo } from '../plugin.ts';
import type { DomainInfo, EpisodeEnd, OpenPackArgs } from '../sdk.ts';
import { checkSandboxNode, sandboxLaunch, type IsolationLayer, type SandboxLaunch } from './launch.ts';
import { defaultLimits, SandboxFault, SandboxProcess, type RequestBody, type SandboxLimits } from './process.ts';

export interface SandboxHostOptions {
  readonly limits?: Partial<SandboxLimits>;
  /** Sandbox processes per plugin (packs are spread over them). Default 2. */
  readonly processesPerPlugin?: number;
  /** How often one pack may be rebuilt after its process died under another pack. Default 3. */
  readonly maxReplays?: number;
  /** Lines plugins write with console.log and friends. */
  readonly onLog?: (plugin: string, line: string) => void;
  /** Node binary for the sandboxes (default: this process's). */
  readonly nodePath?: string;
}

type PackRequest = Exclude<RequestBody, { op: 'load' }>;
type PackRequestBody = PackRequest extends infer R ? (R extends unknown ? Omit<R, 'pack'> : never) : never;

interface LogEntry {
  readonly req: PackRequestBody;
  readonly result: string;
}

/** The processes of one plugin, started on demand. */
class PluginPool {
  readonly plugin: PluginInfo;
  private readonly host: SandboxEnvHost;
  private readonly procs: SandboxProcess[] = [];
  private broken: CodError | undefined;
  private infos: Promise<DomainInfo[]> | undefined;

  constructor(plugin: PluginInfo, host: SandboxEnvHost) {
    this.plugin = plugin;
    this.host = host;
  }

  /** The plugin's domains (loads it once in a sandbox). */
  domainInfos(): Promise<DomainInfo[]> {
    this.infos ??= this.acquire().then((p) => p.ready);
    return this.infos;
  }

  /** A live, loaded process: a new one while under the pool size, else the one hosting the fewest packs. */
  async acquire(): Promise<SandboxProcess> {
    if (this.broken) throw this.broken;
    for (let i = this.procs.length - 1; i >= 0; i--) if (!this.procs[i].alive) this.procs.splice(i, 1);
    let proc: SandboxProcess;
    if (this.procs.length < this.host.poolSize) {
      proc = new SandboxProcess(this.plugin, this.host.limits, this.host.launchFor(this.plugin), (l) =>
        this.host.log(this.plugin.name, l),
      );
      this.procs.push(proc);
    } else {
      proc = this.procs.reduce((a, b) => (b.packs.size < a.packs.size ? b : a));
    }
    try {
      await proc.ready;
    } catch (e) {
      // Loading is deterministic: a plugin that cannot load once will not load on retry.
      this.broken = this.host.fault(this.plugin, undefined, 'load', e);
      throw this.broken;
    }
    return proc;
  }

  dispose(): void {
    for (const p of this.procs) p.kill();
    this.procs.length = 0;
  }
}

class SandboxPack implements PackHandle {
  readonly domain: string;
  readonly seed: string;
  private readonly host: SandboxEnvHost;
  private readonly pool: PluginPool;
  private readonly openArgs: OpenPackArgs;
  private proc: SandboxProcess | undefined;
  private packId = 0;
  private readonly log: LogEntry[] = [];
  private failed: CodError | undefined;
  private closed = false;
  private replays = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(host: SandboxEnvHost, pool: PluginPool, domain: string, args: OpenPackArgs) {
    this.host = host;
    this.pool = pool;
    this.domain = domain;
    this.seed = args.seed;
    this.openArgs = args;
  }

  async open(): Promise<void> {
    await this.run({ op: 'open', domain: this.domain, args: { ...this.openArgs } });
  }

  startTask(index: number): Promise<TaskStart> {
    return this.run({ op: 'start', index }) as Promise<TaskStart>;
  }

  step(action: string): Promise<HostStepResult> {
    return this.run({ op: 'step', action }) as Promise<HostStepResult>;
  }

  formatError(reason: string): Promise<EpisodeEnd> {
    return this.run({ op: 'formatError', reason }) as Promise<EpisodeEnd>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const proc = this.proc;
    this.proc = undefined;
    if (proc?.alive) {
      proc.packs.delete(this.packId);
      await proc.call({ op: 'close', pack: this.packId }).catch(() => undefined);
    }
  }

  /** One call at a time per pack, in order. */
  private run(req: PackRequestBody): Promise<unknown> {
    const r = this.queue.then(() => this.execute(req));
    this.queue = r.catch(() => undefined);
    return r;
  }

  private async execute(req: PackRequestBody): Promise<unknown> {
    if (this.failed) throw this.failed;
    if (this.closed) throw new CodError('bad_input', `pack of domain '${this.domain}' is closed`);
    for (;;) {
      try {
        const proc = await this.liveProcess();
        const result = await proc.call({ ...req, pack: this.packId } as RequestBody);
        this.log.push({ req, result: JSON.stringify(result) });
        return result;
      } catch (e) {
        if (e instanceof SandboxFault && !e.culprit && !this.host.disposed && this.replays < this.host.maxReplays) {
          this.replays++;
          this.proc = undefined; // collateral: rebuild this pack in a fresh process and retry
          continue;
        }
        throw this.fail(req.op, e);
      }
    }
  }

  /** The process hosting this pack; after a collateral death, a new one with the pack's calls replayed. */
  private async liveProcess(): Promise<SandboxProcess> {
    if (this.proc?.alive) return this.proc;
    this.proc?.packs.delete(this.packId);
    const proc = await this.pool.acquire();
    const packId = proc.allocatePackId();
    proc.packs.add(packId);
    this.proc = proc;
    this.packId = packId;
    for (let i = 0; i < this.log.length; i++) {
      const entry = this.log[i];
      const again = JSON.stringify(await proc.call({ ...entry.req, pack: packId } as RequestBody));
      if (again !== entry.result)
        throw new SandboxFault(
          'plugin_error',
          `is not deterministic: replaying call ${i + 1} (${entry.req.op}) after a sandbox restart gave a different result`,
        );
    }
    return proc;
  }

  private fail(op: string, e: unknown): CodError {
    if (e instanceof CodError) {
      this.failed = e.code === 'env_fault' ? e : undefined;
      return e;
    }
    this.failed = this.host.fault(this.pool.plugin, this.domain, op, e);
    const proc = this.proc;
    if (proc?.alive) {
      proc.packs.delete(this.packId);
      void proc.call({ op: 'close', pack: this.packId }).catch(() => undefined);
    }
    this.proc = undefined;
    return this.failed;
  }
}

export class SandboxEnvHost implements EnvHost {
  readonly limits: SandboxLimits;
  readonly poolSize: number;
  readonly maxReplays: number;
  disposed = false;
  private readonly pools = new Map<string, PluginPool>();
  private readonly byDomain = new Map<string, PluginPool>();
  private readonly onLog: SandboxHostOptions['onLog'];
  private readonly nodePath: string | undefined;

  constructor(plugins: readonly PluginInfo[], options: SandboxHostOptions = {}) {
    checkSandboxNode();
    this.limits = { ...defaultLimits, ...options.limits };
    this.poolSize = Math.max(1, options.processesPerPlugin ?? 2);
    this.maxReplays = Math.max(0, options.maxReplays ?? 3);
    this.onLog = options.onLog;
    this.nodePath = options.nodePath;
    for (const p of plugins) {
      const pool = new PluginPool(p, this);
      this.pools.set(p.name, pool);
      for (const d of p.domains) {
        if (this.byDomain.has(d))
          throw new CodError('conflict', `domain '${d}' is provided by two plugins`, p.manifestPath);
        this.byDomain.set(d, pool);
      }
    }
  }

  /** Domain ids the loaded plugins declare. */
  domainIds(): string[] {
    return [...this.byDomain.keys()];
  }

  /** The domain's info as its plugin reports it (starts the plugin's first sandbox if needed). */
  async describe(domain: string): Promise<DomainInfo> {
    const pool = this.poolOf(domain);
    const infos = await pool.domainInfos();
    const info = infos.find((i) => i.id === domain);
    if (!info) throw new CodError('env_fault', `plugin '${pool.plugin.name}' does not export domain '${domain}'`);
    return info;
  }

  async openPack(domain: string, args: OpenPackArgs): Promise<PackHandle> {
    if (this.disposed) throw new CodError('conflict', 'the sandbox host has been disposed');
    const pool = this.poolOf(domain);
    const info = await this.describe(domain);
    if (!info.presets.includes(args.preset))
      throw new CodError(
        'bad_config',
        `domain '${domain}' has no preset '${args.preset}' (presets: ${info.presets.join(', ')})`,
        `plugin '${pool.plugin.name}'`,
      );
    const pack = new SandboxPack(this, pool, domain, args);
    await pack.open();
    return pack;
  }

  /** The isolation layers a sandbox process of this host gets on this machine. */
  isolationLayers(plugin: PluginInfo): readonly IsolationLayer[] {
    return this.launchFor(plugin).layers;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const p of this.pools.values()) p.dispose();
  }

  launchFor(plugin: PluginInfo): SandboxLaunch {
    return sandboxLaunch({ pluginDir: plugin.dir, memoryMb: this.limits.memoryMb, nodePath: this.nodePath });
  }

  log(plugin: string, line: string): void {
    this.onLog?.(plugin, line);
  }

  /** The one error a pack sees when its plugin misbehaves: names the plugin, the domain, and what happened. */
  fault(plugin: PluginInfo, domain: string | undefined, op: string, e: unknown): CodError {
    const who = domain ? `domain '${domain}'` : 'loading';
    if (e instanceof SandboxFault) {
      const what =
        e.kind === 'plugin_error'
          ? `${op} failed: ${e.message}`
          : e.kind === 'load_error'
            ? `could not be loaded: ${e.message}`
            : e.message;
      return new CodError('env_fault', `${who}: ${what}`, `plugin '${plugin.name}'`);
    }
    if (e instanceof CodError) return e;
    return new CodError(
      'env_fault',
      `${who}: ${op} failed: ${(e as Error)?.message ?? String(e)}`,
      `plugin '${plugin.name}'`,
    );
  }

  private poolOf(domain: string): PluginPool {
    const pool = this.byDomain.get(domain);
    if (!pool)
      throw new CodError(
        'not_found',
        `no loaded plugin provides domain '${domain}' (plugin domains: ${this.domainIds().join(', ') || 'none'})`,
      );
    return pool;
  }
}
