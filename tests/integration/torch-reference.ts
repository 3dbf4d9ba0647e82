/** Runs the independent PyTorch reference (Debian's python3-torch, /usr/bin/python3) from tests. */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const PYTHON = '/usr/bin/python3';
export const REFERENCE = join(import.meta.dirname, '..', '..', 'resources', 'reference', 'torch_decoder.py');

const execFileAsync = promisify(execFile);

export function assertTorchAvailable(): void {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
  } catch {
    throw new Error('PyTorch reference unavailable: apt-get install python3-torch libopenblas0-openmp (.ci/run does)');
  }
}

/**
 * Runs the reference script asynchronously: a PyTorch run can take longer than vitest's 60 s worker RPC timeout,
 * and a synchronous child would hold the test worker's event loop for all of it.
 */
export async function runTorchReference(args: readonly string[]): Promise<void> {
  await execFileAsync(PYTHON, [REFERENCE, ...args], { maxBuffer: 64 * 1024 * 1024 });
}

export function torchGrads(modelDir: string, batchPath: string, outPath: string): Promise<void> {
  return runTorchReference(['grads', modelDir, batchPath, outPath]);
}
