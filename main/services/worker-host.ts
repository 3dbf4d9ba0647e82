/**
 * WorkerHost: how services run heavy work (a trainer, an evaluation) in another process and hear from it line by
 * line. Headless (`cod serve`, tests) it spawns `node bin/cod.mjs …`; the Electron app supplies a host built on
 * utilityProcess (electron/worker-host.ts). Services only see this interface, so tests run the same code.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface WorkerSpec {
  /** Arguments of the `cod` command, e.g. ['train', 'file.yaml', '--events']. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface WorkerProcess {
  readonly pid: number | undefined;
  onStdoutLine(listener: (line: string) => void): void;
  onStderrLine(listener: (line: string) => void): void;
  onExit(listener: (exit: WorkerExit) => void): void;
  /** Ask it to stop cleanly (SIGTERM: the trainer finishes its step and marks the run 'stopped'). */
  stop(): void;
}

export interface WorkerHost {
  start(spec: WorkerSpec): WorkerProcess;
}

/** Fan-out for one kind of callback, replaying nothing: listeners are attached right after start. */
export class Listeners<T> {
  private readonly fns: Array<(v: T) => void> = [];
  add(fn: (v: T) => void): void {
    this.fns.push(fn);
  }
  emit(v: T): void {
    for (const fn of this.fns) fn(v);
  }
}

/** Runs `cod` as a plain Node child process (the headless host, and the fallback inside Electron). */
export class NodeWorkerHost implements WorkerHost {
  constructor(
    private readonly codBin: string,
    private readonly nodePath: string = process.execPath,
  ) {}

  start(spec: WorkerSpec): WorkerProcess {
    const child = spawn(this.nodePath, [this.codBin, ...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...spec.env },
    });
    const out = new Listeners<string>();
    const err = new Listeners<string>();
    const exit = new Listeners<WorkerExit>();
    createInterface({ input: child.stdout }).on('line', (l) => out.emit(l));
    createInterface({ input: child.stderr }).on('line', (l) => err.emit(l));
    // 'close' (not 'exit') so every line has been read before the exit is reported.
    child.on('close', (code, signal) => exit.emit({ code, signal }));
    child.on('error', (e) => {
      err.emit(`cod: error: could not start a worker: ${e.message}`);
    });
    return {
      pid: child.pid,
      onStdoutLine: (fn) => out.add(fn),
      onStderrLine: (fn) => err.add(fn),
      onExit: (fn) => exit.add(fn),
      stop: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      },
    };
  }
}
