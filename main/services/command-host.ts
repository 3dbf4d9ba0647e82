/**
 * CommandHost: how the services run a job (a trainer, a comparison) as a `cod` command in another process and hear
 * from it line by line. Headless (`cod serve`, tests) it spawns `node bin/cod.mjs …` (ChildCommandHost); in the app
 * the api host asks the Electron main process, which starts utility processes (workers/api-host.ts,
 * electron/cod-process.ts). The services see only this interface, so tests run the same code. (Not to be confused
 * with training's WorkerHost, which runs the model's compute workers inside one `cod train`.)
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CommandExit, CommandProcess, CommandSpec } from '../api/host-protocol.ts';
import { Emitter } from '../base/emitter.ts';

export type { CommandExit, CommandProcess, CommandSpec };

export interface CommandHost {
  start(spec: CommandSpec): CommandProcess;
}

/** The three streams of a started command, for the hosts that build one. */
export class CommandEvents {
  readonly out = new Emitter<string>();
  readonly err = new Emitter<string>();
  readonly exit = new Emitter<CommandExit>();

  /** The listener side, as a CommandProcess (listeners are attached right after start: nothing is replayed). */
  process(pid: number | undefined, stop: () => void): CommandProcess {
    return {
      pid,
      onStdoutLine: (fn) => void this.out.on(fn),
      onStderrLine: (fn) => void this.err.on(fn),
      onExit: (fn) => void this.exit.on(fn),
      stop,
    };
  }
}

/** Runs `cod` as a plain Node child process (the headless host, and the fallback inside Electron). */
export class ChildCommandHost implements CommandHost {
  constructor(
    private readonly codBin: string,
    private readonly nodePath: string = process.execPath,
  ) {}

  start(spec: CommandSpec): CommandProcess {
    const child = spawn(this.nodePath, [this.codBin, ...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...spec.env },
    });
    const ev = new CommandEvents();
    createInterface({ input: child.stdout }).on('line', (l) => ev.out.emit(l));
    createInterface({ input: child.stderr }).on('line', (l) => ev.err.emit(l));
    // 'close' (not 'exit') so every line has been read before the exit is reported.
    child.on('close', (code, signal) => ev.exit.emit({ code, signal }));
    child.on('error', (e) => {
      ev.err.emit(`cod: error: could not start a worker: ${e.message}`);
    });
    return ev.process(child.pid, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
  }
}
