/** Runs the independent PyTorch reference (Debian's python3-torch, /usr/bin/python3) from tests. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const REFERENCE = join(import.meta.dirname, '..', '..', 'resources', 'reference', 'torch_decoder.py');

export function assertTorchAvailable(): void {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
  } catch {
    throw new Error('PyTorch reference unavailable: apt-get install python3-torch libopenblas0-openmp (.ci/run does)');
  }
}

export function torchGrads(modelDir: string, batchPath: string, outPath: string): void {
  execFileSync(PYTHON, [REFERENCE, 'grads', modelDir, batchPath, outPath], { stdio: 'pipe' });
}
