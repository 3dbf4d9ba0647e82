/**
 * Runs this checkout's `cod` CLI as a child process for the npm scripts built on it (demo, pretrain:builtin): the
 * same Node binary, stdout and stderr passed through or handed line by line to `onLine` / `onErrLine`. Resolves
 * when it exits 0; rejects naming the command otherwise.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { APP_ROOT } from '../main/training/locations.ts';

const COD = join(APP_ROOT, 'bin', 'cod.mjs');

export function runCod(
  args: string[],
  onLine?: (line: string) => void,
  onErrLine?: (line: string) => void,
): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [COD, ...args], {
      stdio: ['ignore', onLine ? 'pipe' : 'inherit', onErrLine ? 'pipe' : 'inherit'],
    });
    const lines = (to: (line: string) => void) => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          to(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      };
    };
    if (onLine) child.stdout?.on('data', lines(onLine));
    if (onErrLine) child.stderr?.on('data', lines(onErrLine));
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`cod ${args[0]} exited with ${code}`))));
  });
}
