/** The ragged batch file format shared by `cod engine grads` and `cod model score`. */
import { readFile } from 'node:fs/promises';
import { CodError } from '../base/errors.ts';
import { validateRagged, type RaggedBatch } from './packing.ts';

export async function readBatchFile(path: string, vocabSize: number): Promise<RaggedBatch> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CodError('not_found', 'cannot read the batch file', path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CodError('bad_input', `not valid JSON (${(e as Error).message})`, path);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new CodError('bad_input', 'must be an object {"sequences": [...], "loss_mask": [...]}', path);
  const o = json as Record<string, unknown>;
  const batch = { sequences: o.sequences as number[][], lossMask: o.loss_mask as number[][] };
  validateRagged(batch, vocabSize, path);
  return batch;
}
