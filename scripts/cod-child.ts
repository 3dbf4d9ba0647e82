/**
 * Runs this checkout's `cod` CLI as a child process for the npm scripts built on it (demo, pretrain:builtin): the
 * same Node binary, stderr passed through, stdout passed through or handed line by line to `onLine`. Resolves when
 * it exits 0; rejects naming the command otherwise.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { APP_ROOT } from '../main/training/locations.ts';

const COD = join(APP_ROOT, 'bin', 'cod.mjs');

export function runCod(args: string[], onLine?: (line: string) => void): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [COD, ...args], {
      stdio: ['ignore', onLine ? 'pipe' : 'inherit', 'inherit'],
    });
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine!(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`cod ${args[0]} exited with ${code}`))));
  });
}
