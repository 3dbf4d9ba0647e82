/**
 * Job commands on Electron's utilityProcess: trainers and evaluations run as `cod …` in utility processes (a full
 * Node environment, off the main process), started on the api host's request (main/services/command-host.ts).
 */
import { utilityProcess } from 'electron';
import { createInterface } from 'node:readline';
import type { CommandExit, CommandProcess } from '../main/api/host-protocol.ts';
import { Emitter } from '../main/base/emitter.ts';

export function forkCod(codBin: string, args: string[]): CommandProcess {
  const child = utilityProcess.fork(codBin, args, {
    stdio: 'pipe',
    serviceName: `cod ${args[0] ?? ''}`,
    env: { ...process.env },
  });
  const out = new Emitter<string>();
  const err = new Emitter<string>();
  const exit = new Emitter<CommandExit>();
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => out.emit(l));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (l) => err.emit(l));
  let ended = false;
  child.on('exit', (code) => {
    ended = true;
    // Let the pipes drain before the exit is reported.
    setTimeout(() => exit.emit({ code, signal: null }), 50);
  });
  return {
    pid: child.pid,
    onStdoutLine: (f) => void out.on(f),
    onStderrLine: (f) => void err.on(f),
    onExit: (f) => void exit.on(f),
    stop: () => {
      if (!ended) child.kill(); // SIGTERM on POSIX: the trainer stops cleanly
    },
  };
}
