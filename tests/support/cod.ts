/** Runs the real `cod` CLI under the project's Node 22, as a user would. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface CodResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Asynchronous on purpose: a synchronous spawn holds the test worker's event loop for the child's whole life, and
 * vitest's worker RPC ("onTaskUpdate") times out after 60 s of that, failing the run although every test passed.
 */
export function cod(args: string[], input?: string): Promise<CodResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'cod.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, COD_DEBUG: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : -1), stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
