/**
 * WorkerHost on Electron's utilityProcess: trainers and evaluations run as `cod …` in utility processes (a full
 * Node environment, off the main process), started on the api host's request.
 */
import { utilityProcess } from 'electron';
import { createInterface } from 'node:readline';
import type { SpawnedWorker } from './api-host-client.ts';

type Exit = { code: number | null; signal: string | null };

export function forkCod(codBin: string, args: string[]): SpawnedWorker {
  const child = utilityProcess.fork(codBin, args, {
    stdio: 'pipe',
    serviceName: `cod ${args[0] ?? ''}`,
    env: { ...process.env },
  });
  const out: Array<(l: string) => void> = [];
  const err: Array<(l: string) => void> = [];
  const exit: Array<(e: Exit) => void> = [];
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => out.forEach((f) => f(l)));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (l) => err.forEach((f) => f(l)));
  let ended = false;
  child.on('exit', (code) => {
    ended = true;
    // Let the pipes drain before the exit is reported.
    setTimeout(() => exit.forEach((f) => f({ code, signal: null })), 50);
  });
  return {
    onStdoutLine: (f) => out.push(f),
    onStderrLine: (f) => err.push(f),
    onExit: (f) => exit.push(f),
    stop: () => {
      if (!ended) child.kill(); // SIGTERM on POSIX: the trainer stops cleanly
    },
  };
}
