/** A real `cod backend serve` process on loopback for tests: started on a free port, stopped or killed on demand. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(import.meta.dirname, '..', '..');

export interface BackendProcess {
  /** http://127.0.0.1:P (the API is under /api/v1). */
  readonly url: string;
  readonly proc: ChildProcess;
  readonly log: string[];
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** Starts `cod backend serve ARGS` on `port` (default: a free one) and waits for its URL. */
export async function startBackendServer(args: string[], port = 0): Promise<BackendProcess> {
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'cod.mjs'), 'backend', 'serve', '--port', String(port), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, COD_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (l) => log.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL in 60 s\n${log.join('\n')}`)), 60_000);
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      log.push(l);
      const m = /listening on (http:\/\/\S+)\/api\/v1/.exec(l);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cod backend serve exited with ${code}\n${log.join('\n')}`));
    });
  });
  const ended = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  return { url, proc, log, stop: () => ended('SIGTERM'), kill: () => ended('SIGKILL') };
}
