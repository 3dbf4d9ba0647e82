/**
 * The frozen base of a LoRA model as ONE float32 file that onnxruntime maps instead of copying.
 *
 * Why: a LoRA graph holds the base as initializers. Handed over from memory, onnxruntime copies them into every
 * session, and a bf16 base is cast to float32 by constant folding, again per session: on the Qwen3-0.6B shape each
 * session added 2.4 GB (a trainer with a forward and a step session, a sampler with prefill and decode: ~10 GB of
 * copies). Named as external data in a file, the CPU provider maps the file, so every session in every worker shares
 * its pages in the page cache (measured: three sessions, +2.5 GB each from memory; from the file the system's used
 * memory grew by ~0.3 GB in all and each session was created in 3 s instead of 30-38 s).
 *
 * The file is made once per checkpoint under $COD_HOME/cache/bases/KEY/ (weights.f32.bin + index.json), KEY hashing
 * config.json and each weight file's name, size and modification time: a checkpoint rewritten in place gets a new
 * entry. Entries appear by an atomic rename of a finished folder, so concurrent workers never read a half-written
 * one, and a folder without its index (a crash while writing) is never used. Delete the folder to reclaim the disk.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CodError } from '../base/errors.ts';
import { locateWeightFiles } from './checkpoint-files.ts';
import { loadStoredCheckpoint } from './checkpoint.ts';
import { readConfigFile, type ModelConfig } from './config.ts';
import { codHome } from './import.ts';
import { toFloat32 } from './safetensors.ts';
import { parameterCount } from './model-budget.ts';
import { parameterSpecs, type LoraBase } from './transformer.ts';

export const MAPPED_BASE_FILE = 'weights.f32.bin';
const INDEX_FILE = 'index.json';
/** Each tensor starts on a 64 KiB boundary (a multiple of every page size and of Windows' mapping granularity). */
const ALIGN = 65536;

const indexSchema = z.strictObject({
  format: z.literal('cod-mapped-base/1'),
  source: z.string(),
  bytes: z.number().int().nonnegative(),
  tensors: z.array(
    z.strictObject({
      name: z.string(),
      shape: z.array(z.number().int().nonnegative()),
      offset: z.number().int().nonnegative(),
      length: z.number().int().nonnegative(),
    }),
  ),
});

/** A base whose float32 weights lie in `folder/file`, each tensor at `offset` (bytes), `length` bytes long. */
export interface MappedBase {
  readonly kind: 'mapped';
  readonly folder: string;
  readonly file: string;
  readonly tensors: ReadonlyMap<
    string,
    { readonly shape: readonly number[]; readonly offset: number; readonly length: number }
  >;
}

/** The cache folder of mapped bases (one entry per checkpoint version). */
export function mappedBasesDir(home: string = codHome()): string {
  return join(home, 'cache', 'bases');
}

/** What identifies a checkpoint's bytes without reading them: config.json and each weight file's name, size, mtime. */
async function checkpointKey(dir: string): Promise<string> {
  const h = createHash('sha256');
  h.update(await readFile(join(dir, 'config.json')));
  for (const f of (await locateWeightFiles(dir)).files) {
    const s = await stat(join(dir, f));
    h.update(`\0${f}\0${s.size}\0${s.mtimeMs}`);
  }
  return h.digest('hex').slice(0, 32);
}

async function readIndex(folder: string, config: ModelConfig): Promise<MappedBase | null> {
  let raw: string;
  try {
    raw = await readFile(join(folder, INDEX_FILE), 'utf8');
  } catch {
    return null;
  }
  const idx = indexSchema.safeParse(JSON.parse(raw));
  if (!idx.success) return null;
  const size = await stat(join(folder, MAPPED_BASE_FILE)).then(
    (s) => s.size,
    () => -1,
  );
  if (size !== idx.data.bytes) return null;
  const tensors = new Map(
    idx.data.tensors.map((t) => [t.name, { shape: t.shape, offset: t.offset, length: t.length }]),
  );
  for (const s of parameterSpecs(config)) {
    const t = tensors.get(s.name);
    if (!t || t.shape.join(',') !== s.shape.join(',') || t.offset + t.length > size) return null;
  }
  return { kind: 'mapped', folder, file: MAPPED_BASE_FILE, tensors };
}

/** Writes the float32 file and its index into `folder` (a fresh temporary folder). */
async function writeMappedBase(modelDir: string, folder: string): Promise<void> {
  const { config, tensors } = await loadStoredCheckpoint(modelDir);
  const fh = await open(join(folder, MAPPED_BASE_FILE), 'w');
  const entries: Array<{ name: string; shape: number[]; offset: number; length: number }> = [];
  let offset = 0;
  try {
    for (const s of parameterSpecs(config)) {
      const f32 = toFloat32(tensors.get(s.name)!, `${modelDir}: ${s.name}`);
      tensors.delete(s.name); // one stored tensor at a time beside its float32 copy
      offset = Math.ceil(offset / ALIGN) * ALIGN;
      const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
      // Positioned writes in pieces: one write call takes at most 2 GiB.
      for (let at = 0; at < bytes.byteLength; at += 1 << 30)
        await fh.write(bytes, at, Math.min(1 << 30, bytes.byteLength - at), offset + at);
      entries.push({ name: s.name, shape: s.shape, offset, length: bytes.byteLength });
      offset += bytes.byteLength;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  const index = { format: 'cod-mapped-base/1' as const, source: modelDir, bytes: offset, tensors: entries };
  await writeFile(join(folder, INDEX_FILE), JSON.stringify(index));
}

export interface MappedBaseOptions {
  /** Cache root (default $COD_HOME/cache/bases). */
  readonly cacheDir?: string;
  /** Told once when the file has to be made (seconds of work for a large model). */
  readonly onBuild?: (modelDir: string, folder: string) => void;
}

/**
 * The model's config and its base as a mapped float32 file, made on first use. A cache that cannot be written (a
 * read-only or full disk) is a CodError naming the folder; callers may fall back to the in-memory base.
 */
export async function openMappedBase(
  modelDir: string,
  opts: MappedBaseOptions = {},
): Promise<{ config: ModelConfig; base: MappedBase }> {
  return mapBase(modelDir, await readConfigFile(join(modelDir, 'config.json')), opts);
}

async function mapBase(
  modelDir: string,
  config: ModelConfig,
  opts: MappedBaseOptions,
): Promise<{ config: ModelConfig; base: MappedBase }> {
  const root = opts.cacheDir ?? mappedBasesDir();
  const folder = join(root, await checkpointKey(modelDir));
  const ready = await readIndex(folder, config);
  if (ready) return { config, base: ready };
  opts.onBuild?.(modelDir, folder);
  const tmp = `${folder}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await mkdir(tmp, { recursive: true });
    await writeMappedBase(modelDir, tmp);
    // Another worker may have finished first: then its entry stands (sessions may already map it).
    if (!(await readIndex(folder, config))) {
      await rm(folder, { recursive: true, force: true }); // an unfinished entry (readIndex refused it)
      try {
        await rename(tmp, folder);
      } catch (e) {
        if (!(await readIndex(folder, config))) throw e;
      }
    }
  } catch (e) {
    if (e instanceof CodError) throw e;
    throw new CodError(
      'io',
      `cannot make the mapped float32 base (${(e as Error).message}); it needs 4 bytes of disk per parameter`,
      folder,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
  const made = await readIndex(folder, config);
  if (!made) throw new CodError('io', 'the mapped float32 base was written but does not read back', folder);
  return { config, base: made };
}

/** Float32 bytes of a base from which `openLoraBase` maps it by default: below this, per-session copies are cheap. */
export const MAPPED_BASE_MIN_BYTES = 256 * 2 ** 20;

/** Whether a base of `parameters` is mapped by default (the size rule of openLoraBase; cod doctor's estimate). */
export function mappedByDefault(parameters: number, minBytes = MAPPED_BASE_MIN_BYTES): boolean {
  return parameters * 4 >= minBytes;
}

/**
 * A LoRA base to run: mapped (openMappedBase) when its float32 weights reach MAPPED_BASE_MIN_BYTES, else as stored in
 * memory. COD_MAPPED_BASE=always|never overrides the size rule. A cache that cannot be made falls back to memory,
 * told through `onFallback`.
 */
export async function openLoraBase(
  modelDir: string,
  opts: MappedBaseOptions & {
    readonly env?: NodeJS.ProcessEnv;
    /** Float32 bytes from which `auto` maps (default MAPPED_BASE_MIN_BYTES). */
    readonly minBytes?: number;
    readonly onFallback?: (why: string) => void;
  } = {},
): Promise<{ config: ModelConfig; base: LoraBase }> {
  const mode = (opts.env ?? process.env).COD_MAPPED_BASE ?? 'auto';
  if (!['auto', 'always', 'never'].includes(mode))
    throw new CodError(
      'bad_config',
      `COD_MAPPED_BASE must be auto, always or never (got '${mode}')`,
      'COD_MAPPED_BASE',
    );
  const config = await readConfigFile(join(modelDir, 'config.json'));
  const parameters = parameterCount(config);
  if (mode === 'always' || (mode === 'auto' && mappedByDefault(parameters, opts.minBytes))) {
    try {
      return await mapBase(modelDir, config, opts);
    } catch (e) {
      if (mode === 'always' || !(e instanceof CodError) || e.code !== 'io') throw e;
      opts.onFallback?.(`${e.message}; the base stays in memory, copied into each session`);
    }
  }
  const stored = await loadStoredCheckpoint(modelDir);
  return { config: stored.config, base: stored.tensors };
}
