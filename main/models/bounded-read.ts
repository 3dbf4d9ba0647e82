/**
 * Reading a model directory's small files (config.json, tokenizer files, chat templates) within the input budget
 * (main/base/budget.ts): each is measured before it is read, so a hostile 2 GB "config.json" costs a stat.
 */
import { readFile, stat } from 'node:fs/promises';
import { checkBytes } from '../base/budget.ts';
import { CodError } from '../base/errors.ts';

/** The file's text, or undefined when it does not exist; over `limit` bytes or unreadable is one CodError. */
export async function readTextWithin(path: string, what: string, limit: number): Promise<string | undefined> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CodError('io', (e as Error).message, path);
  }
  checkBytes(what, size, limit, path);
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new CodError('io', (e as Error).message, path);
  }
}
