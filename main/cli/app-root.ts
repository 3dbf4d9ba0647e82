/** Where this checkout lives, and what ships in it; the `cod` commands and scripts resolve resources from here. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built-in model (made by `cod pretrain`): the default starting model and the source of the built-in tokenizer. */
export const BUILTIN_MODEL_DIR = join(APP_ROOT, 'resources', 'models', 'builtin');
