/**
 * One plugin sandbox process, seen from the workbench: starts it (sandboxLaunch), sends it one request at a time,
 * and turns everything that can go wrong into a SandboxFault that says whether the request at hand caused it.
 * Calls are strictly serial so a hang or a crash is always attributed to the request that was running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { RpcClient } from '../../base/rpc.ts';
import type { PluginInfo } from '../plugin.ts';
import type { DomainInfo } from '../sdk.ts';
import type { SandboxLaunch } from './launch.ts';
import { replySchema, resultSchemas, summarizeIssues, type ResultOf, type SandboxRequest } from './protocol.ts';

export type FaultKind =
  | 'plugin_error' // the plugin threw or returned a malformed result; the process is still healthy
  | 'timeout' // the call passed its time limit; the process was stopped
  | 'memory' // the process ran out of its memory allowance and died
  | 'crash' // the process exited for another reason
  | 'protocol' // the process sent something that is not a valid reply
  | 'load_error' // the plugin's entry could not be loaded
  | 'lost'; // the process died under ANOTHER request: this one never ran and may be retried elsewhere

export class SandboxFault extends Error {
  readonly kind: FaultKind;
  constructor(kind: FaultKind, message: string) {
    super(message);
    this.name = 'SandboxFault';
    this.kind = kind;
  }
  /** Whether the request this fault answers caused it (else it is collateral and can be replayed elsewhere). */
  get culprit(): boolean {
    return this.kind !== 'lost';
  }
}

export interface SandboxLimits {
  /** Per-call time limit (start, step, …). */
  readonly callTimeoutMs: number;
  /** Time limit for starting the process and evaluating the plugin's entry. */
  readonly loadTimeoutMs: number;
  /** V8 heap limit; the address space is capped at about twice this plus the runtime's base (launch.ts). */
  readonly memoryMb: number;
  /** Longest reply line accepted from the sandbox. */
  readonly maxReplyBytes: number;
  /** Slack past a limit before the host kills (pipe latency; lets the sandbox's own load timer report first). */
  readonly graceMs: number;
}

export const defaultLimits: SandboxLimits = {
  callTimeoutMs: 5000,
  loadTimeoutMs: 10_000,
  memoryMb: 256,
  maxReplyBytes: 2 * 1024 * 1024,
  graceMs: 250,
};

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RequestBody = DistributiveOmit<SandboxRequest, 'id'>;

type Op = RequestBody['op'];
const isOp = (m: string): m is Op => Object.hasOwn(resultSchemas, m);

const STDERR_KEEP = 8192;
const MEMORY_SIGNS = /heap out of memory|reached heap limit|allocation failed|out of memory|memory limit/i;

export class SandboxProcess {
  readonly plugin: PluginInfo;
  /** The plugin's domains, once its entry is loaded; rejects with a SandboxFault when it cannot be. */
  readonly ready: Promise<DomainInfo[]>;
  /** Packs currently hosted here (for load balancing). */
  readonly packs = new Set<number>();
  private readonly limits: SandboxLimits;
  private readonly child: ChildProcess;
  private readonly onLog: ((line: string) => void) | undefined;
  /** The one request in flight (calls are serial), matched with its reply by id. */
  private readonly rpc: RpcClient;
  private nextPackId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private stdoutBuf = '';
  private stderrTail = '';
  private death: string | undefined;
  private stopping = false;

  constructor(plugin: PluginInfo, limits: SandboxLimits, launch: SandboxLaunch, onLog?: (line: string) => void) {
    this.plugin = plugin;
    this.limits = limits;
    this.onLog = onLog;
    this.child = spawn(launch.command, [...launch.args], {
      cwd: plugin.dir,
      env: { ...launch.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP);
    });
    this.child.stdin?.on('error', () => undefined); // EPIPE after a death is reported through 'exit'
    this.rpc = new RpcClient(
      { post: (line) => void this.child.stdin?.write(line as string) },
      {
        name: `plugin ${plugin.name}`,
        // One JSON line: the request body (its op is the method) with the id.
        encode: (r) => JSON.stringify({ ...(r.params as object), id: r.id }) + '\n',
        onTimeout: (call, ms) => {
          const fault = new SandboxFault(
            'timeout',
            `${call.method} did not finish within ${ms - limits.graceMs} ms; the sandbox process was stopped`,
          );
          this.fail(fault);
          return fault;
        },
      },
    );
    this.child.on('error', (e) => this.onExit(null, null, e.message));
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
    this.ready = this.call(
      {
        op: 'load',
        name: plugin.name,
        entry: path.relative(plugin.dir, plugin.entry),
        domains: [...plugin.domains],
        loadTimeoutMs: limits.loadTimeoutMs,
      },
      limits.loadTimeoutMs,
    );
    this.ready.catch(() => undefined); // observed by whoever awaits it
  }

  get alive(): boolean {
    return this.death === undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** A fresh id for a pack hosted in this process. */
  allocatePackId(): number {
    return this.nextPackId++;
  }

  /** Send one request once every earlier one has been answered. */
  call<R extends RequestBody>(req: R, timeoutMs = this.limits.callTimeoutMs): Promise<ResultOf<R['op']>> {
    const run = this.queue.then(() => this.send(req, timeoutMs));
    this.queue = run.catch(() => undefined);
    return run as Promise<ResultOf<R['op']>>;
  }

  /** Stop the process now (SIGKILL: a hung plugin cannot be asked nicely). */
  kill(): void {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private send(req: RequestBody, timeoutMs: number): Promise<unknown> {
    if (this.death !== undefined)
      return Promise.reject(new SandboxFault('lost', `the sandbox process had stopped (${this.death})`));
    return this.rpc.call(req.op, req, { timeoutMs: timeoutMs + this.limits.graceMs });
  }

  private onStdout(chunk: string): void {
    this.stdoutBuf += chunk;
    let nl: number;
    while ((nl = this.stdoutBuf.indexOf('\n')) >= 0) {
      const line = this.stdoutBuf.slice(0, nl);
      this.stdoutBuf = this.stdoutBuf.slice(nl + 1);
      this.onLine(line);
    }
    if (this.stdoutBuf.length > this.limits.maxReplyBytes) {
      this.stdoutBuf = '';
      this.fail(new SandboxFault('protocol', `sent a reply longer than ${this.limits.maxReplyBytes} bytes`));
    }
  }

  private onLine(line: string): void {
    const [p] = this.rpc.waiting();
    if (!p || !isOp(p.method)) {
      this.fail(new SandboxFault('protocol', 'sent a message nobody asked for'));
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.fail(new SandboxFault('protocol', `sent a line that is not JSON during ${p.method}`));
      return;
    }
    const r = replySchema.safeParse(raw);
    if (!r.success || r.data.id !== p.id) {
      const why = r.success ? `reply id ${r.data.id}, expected ${p.id}` : summarizeIssues(r.error);
      this.fail(new SandboxFault('protocol', `sent a malformed reply during ${p.method}: ${why}`));
      return;
    }
    const reply = r.data;
    for (const l of reply.logs ?? []) this.onLog?.(l);
    if (reply.ok) {
      const result = resultSchemas[p.method].safeParse(reply.result);
      if (!result.success) {
        this.fail(
          new SandboxFault('protocol', `sent a malformed ${p.method} result: ${summarizeIssues(result.error)}`),
        );
        return;
      }
      this.rpc.resolve(p.id, result.data);
      return;
    }
    const { kind, message } = reply.error;
    if (kind === 'plugin_error') {
      this.rpc.reject(
        p.id,
        MEMORY_SIGNS.test(message)
          ? new SandboxFault('memory', `${p.method} exceeded the memory limit (${this.limits.memoryMb} MB): ${message}`)
          : new SandboxFault('plugin_error', message),
      );
    } else if (kind === 'timeout') {
      this.fail(new SandboxFault('timeout', `${message}; the sandbox process was stopped`));
    } else if (kind === 'load_error') {
      this.fail(new SandboxFault('load_error', message));
    } else {
      this.fail(new SandboxFault('protocol', `rejected the request (${message})`));
    }
  }

  /** Reject the running request with `fault` and stop the process: its state can no longer be trusted. */
  private fail(fault: SandboxFault): void {
    this.rpc.failAll(fault);
    if (this.death === undefined) this.death = fault.message;
    this.kill();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void {
    const how = spawnError ?? (signal ? `signal ${signal}` : `exit code ${code}`);
    if (this.death === undefined) this.death = how;
    const [p] = this.rpc.waiting();
    if (!p) return;
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ').slice(0, 600);
    this.rpc.reject(
      p.id,
      MEMORY_SIGNS.test(this.stderrTail)
        ? new SandboxFault(
            'memory',
            `${p.method} exceeded the memory limit (${this.limits.memoryMb} MB heap); the sandbox process died`,
          )
        : this.stopping
          ? new SandboxFault('lost', 'the sandbox process was stopped')
          : new SandboxFault(
              'crash',
              `the sandbox process exited during ${p.method} (${how})${tail ? `: ${tail}` : ''}`,
            ),
    );
  }
}
