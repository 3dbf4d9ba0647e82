/**
 * Evaluations kept and read back: a suite evaluated once on a model is not played again for the same key — the
 * built-in model's step-0 evaluation in every run, both sides of a second `cod compare`, the UI's Compare. The key
 * names everything an evaluation's outcome depends on:
 *   model    sha256 of the weight files, of the LoRA adapter (null: none), of config + tokenizer + chat template
 *   suite    the suite's name and the sha256 of its definition (the suite itself, the curriculum's lifecycle
 *            settings it runs with, the baseline, the seed salt)
 *   seeds    the suite's dataset seeds
 *   env      the domain, preset and code version of the environment (main/envs/code-version.ts)
 *   runner   the code version of the lifecycle runner and sampler (every module they reach, domains left out)
 *   sampling the temperature
 * An entry lives in $COD_HOME/cache/evals/<sha256 of the key>.json.gz and holds the key itself, so a renamed or
 * damaged file is never served for another key. A corrupt entry is ignored with a warning (and replaced by the next
 * evaluation of that key); only a whole evaluation is written (a stopped one, or one with a failed lifecycle, is
 * not), atomically (a temporary file renamed into place).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import stableStringify from 'fast-json-stable-stringify';
import { z } from 'zod';
import { CodError } from '../base/errors.ts';
import type { LifecycleResult } from '../cod/records.ts';
import { lifecycleResultSchema } from '../cod/records-schema.ts';
import { codeDigest, domainCodeVersion, pluginCodeVersion } from '../envs/code-version.ts';
import type { PluginInfo } from '../envs/plugin.ts';
import { listDomains } from '../envs/registry.ts';
import { locateWeightFiles } from '../models/checkpoint-files.ts';
import { TOKENIZER_FILES } from '../models/model-dir.ts';
import type { Curriculum, EvalSuite } from './curriculum/schema.ts';
import {
  evaluateSuite,
  suiteLifecycleConfig,
  suiteLifecycleIds,
  suiteResultOf,
  type EvalBaseline,
  type EvaluateSuiteArgs,
  type SuiteResult,
} from './evaluate.ts';
import { codHome } from './locations.ts';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex');

/** The one shape of an evaluation's cache key (see the module comment). */
export const evalCacheKeySchema = z.strictObject({
  model: z.strictObject({ weights: sha256, adapter: sha256.nullable(), text: sha256 }),
  suite: z.strictObject({ name: z.string().min(1), definition: sha256 }),
  seeds: z.array(z.number().int().nonnegative()).min(1),
  env: z.strictObject({ domain: z.string().min(1), preset: z.string().min(1), version: z.string().min(1) }),
  runner: sha256,
  sampling: z.strictObject({ temperature: z.number().nonnegative() }),
});
export type EvalCacheKey = z.infer<typeof evalCacheKeySchema>;
export type ModelIdentity = EvalCacheKey['model'];

const FORMAT = 'cod-eval-cache/1';

const entrySchema = z.strictObject({
  format: z.literal(FORMAT),
  key: evalCacheKeySchema,
  createdAt: z.string(),
  /** Seconds the evaluation took when it was played: what a hit saves. */
  wallS: z.number().nonnegative(),
  /** Whether the lifecycles keep every model call (a trainer's eval stores them; `cod eval` does not keep them). */
  records: z.boolean(),
  lifecycles: z.array(lifecycleResultSchema),
});
type Entry = z.infer<typeof entrySchema>;

/** Largest entry read back (compressed, and once inflated): beyond it the entry is ignored, not read. */
export const MAX_ENTRY_BYTES = 256 * 2 ** 20;
export const MAX_INFLATED_BYTES = 512 * 2 ** 20;

/** $COD_HOME/cache/evals. */
export function defaultEvalCacheDir(home: string = codHome()): string {
  return join(home, 'cache', 'evals');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sha256Stream(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files)
    await new Promise<void>((res, rej) =>
      createReadStream(f)
        .on('data', (d) => h.update(d))
        .on('end', res)
        .on('error', rej),
    );
  return h.digest('hex');
}

/** Files besides the weights that change what a model directory samples. */
const TEXT_FILES = ['config.json', 'generation_config.json', 'chat_template.json', ...TOKENIZER_FILES];

/** What identifies a model directory's behaviour: its weights, its adapter, its config and text side. */
export async function modelIdentity(dir: string): Promise<ModelIdentity> {
  const { files } = await locateWeightFiles(dir);
  const adapter = join(dir, 'adapter_model.safetensors');
  const text = createHash('sha256');
  for (const f of [...new Set(TEXT_FILES)].sort()) {
    const p = join(dir, f);
    if (!existsSync(p)) continue;
    text
      .update(f)
      .update('\u0000')
      .update(await readFile(p))
      .update('\u0000');
  }
  return {
    weights: await sha256Stream(files.map((f) => join(dir, f))),
    adapter: existsSync(adapter) ? await sha256Stream([adapter]) : null,
    text: text.digest('hex'),
  };
}

const MAIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where an evaluation's code starts: the evaluator, the env host, the policy over the backend, the sampler. */
const RUNNER_ENTRIES = [
  'training/evaluate.ts',
  'training/eval-host.ts',
  'training/eval-policy.ts',
  'training/backend-policy.ts',
  'training/spread-policy.ts',
  'backend/local/backend.ts',
  'workers/policy-worker.ts',
];
let runnerVersion: string | undefined;

/** The code version of the lifecycle runner and sampler; the domains have their own (env.version). */
export function evalRunnerVersion(): string {
  runnerVersion ??= codeDigest(
    RUNNER_ENTRIES.map((f) => join(MAIN_DIR, f)),
    [join(MAIN_DIR, 'envs', 'domains')],
  );
  return runnerVersion;
}

/** The code version of a suite's environment: a built-in domain's, or that of the plugin providing it. */
export function envVersion(domain: string, plugins: readonly PluginInfo[]): string {
  if (listDomains().some((d) => d.id === domain)) return domainCodeVersion(domain);
  const plugin = plugins.find((p) => p.domains.includes(domain));
  if (!plugin) throw new CodError('not_found', `no built-in domain or curriculum plugin provides '${domain}'`);
  return pluginCodeVersion(plugin);
}

export interface SuiteKeyArgs {
  readonly model: ModelIdentity;
  readonly suite: EvalSuite;
  readonly curriculum: Curriculum;
  readonly plugins: readonly PluginInfo[];
  readonly baseline?: EvalBaseline;
  readonly seedSalt?: string;
  readonly temperature: number;
}

export function evalCacheKey(a: SuiteKeyArgs): EvalCacheKey {
  const definition = {
    suite: a.suite,
    lifecycle: suiteLifecycleConfig(a.curriculum, a.baseline),
    baseline: a.baseline ?? null,
    seedSalt: a.seedSalt ?? '',
  };
  return evalCacheKeySchema.parse({
    model: a.model,
    suite: { name: a.suite.name, definition: sha256Hex(stableStringify(definition)) },
    seeds: [...a.suite.seeds],
    env: { domain: a.suite.domain, preset: a.suite.preset, version: envVersion(a.suite.domain, a.plugins) },
    runner: evalRunnerVersion(),
    sampling: { temperature: a.temperature },
  });
}

export interface CachedEval {
  readonly file: string;
  readonly createdAt: string;
  readonly wallS: number;
  readonly lifecycles: LifecycleResult[];
}

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class EvalCache {
  constructor(
    readonly dir: string = defaultEvalCacheDir(),
    /** Where a corrupt entry or a failed write is reported (never thrown: the evaluation goes on without). */
    private readonly warn: (message: string) => void = (m) => process.emitWarning(m),
  ) {}

  fileOf(key: EvalCacheKey): string {
    return join(this.dir, `${sha256Hex(stableStringify(key))}.json.gz`);
  }

  /**
   * The evaluation stored under `key`, or undefined. It must hold exactly the lifecycles `lifecycleIds` names, in
   * order; `needRecords`: an entry without the model calls does not do.
   */
  async read(
    key: EvalCacheKey,
    lifecycleIds: readonly string[],
    needRecords: boolean,
  ): Promise<CachedEval | undefined> {
    const file = this.fileOf(key);
    let entry: Entry;
    try {
      const size = (await stat(file)).size;
      if (size > MAX_ENTRY_BYTES) throw new Error(`${size} bytes, over the ${MAX_ENTRY_BYTES / 2 ** 20} MiB limit`);
      const text = gunzipSync(await readFile(file), { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
      const parsed = entrySchema.safeParse(JSON.parse(text));
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new Error(`${i.path.join('.') || 'entry'}: ${i.message}`);
      }
      entry = parsed.data;
      if (stableStringify(entry.key) !== stableStringify(key)) throw new Error('it holds another key');
      const ids = entry.lifecycles.map((l) => l.lifecycleId);
      if (ids.length !== lifecycleIds.length || ids.some((id, i) => id !== lifecycleIds[i]))
        throw new Error(`its lifecycles are not the suite's ${lifecycleIds.length}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.warn(`eval cache: ignoring the unreadable entry ${file} (${why(e)})`);
      return undefined;
    }
    if (needRecords && !entry.records) return undefined;
    return { file, createdAt: entry.createdAt, wallS: entry.wallS, lifecycles: entry.lifecycles };
  }

  /** Stores a whole evaluation under `key`; a failure to write is a warning. */
  async write(
    key: EvalCacheKey,
    lifecycles: readonly LifecycleResult[],
    o: { wallS: number; records: boolean },
  ): Promise<void> {
    const file = this.fileOf(key);
    const entry: Entry = {
      format: FORMAT,
      key,
      createdAt: new Date().toISOString(),
      wallS: o.wallS,
      records: o.records,
      lifecycles: o.records ? [...lifecycles] : lifecycles.map((l) => ({ ...l, records: [] })),
    };
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(tmp, gzipSync(JSON.stringify(entry)));
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      this.warn(`eval cache: could not store ${file} (${why(e)})`);
    }
  }
}

export interface CachedSuiteArgs extends EvaluateSuiteArgs {
  /** Where to look the evaluation up and keep it; absent: always played, never kept. */
  readonly cache?: { readonly store: EvalCache; readonly key: EvalCacheKey };
}

export interface CachedSuiteResult {
  readonly result: SuiteResult;
  /** The entry it was read from; undefined when it was played now. */
  readonly cached?: CachedEval;
}

/**
 * evaluateSuite, read from the cache when the key is there (nothing is played: no progress calls; `cached` says so),
 * and kept there when it was played whole.
 */
export async function evaluateSuiteCached(args: CachedSuiteArgs): Promise<CachedSuiteResult> {
  const { cache, ...evalArgs } = args;
  const keepRecords = args.keepRecords ?? true;
  if (cache) {
    const hit = await cache.store.read(cache.key, suiteLifecycleIds(args.suite), keepRecords);
    if (hit) {
      const lifecycles = keepRecords ? hit.lifecycles : hit.lifecycles.map((l) => ({ ...l, records: [] }));
      return { result: suiteResultOf(evalArgs, lifecycles), cached: hit };
    }
  }
  const t0 = performance.now();
  const result = await evaluateSuite(evalArgs);
  // A lifecycle that failed (an environment fault, a sandbox limit under load) may not fail next time: not kept.
  if (cache && !args.signal?.aborted && result.failedLifecycles === 0)
    await cache.store.write(cache.key, result.lifecycles, {
      wallS: (performance.now() - t0) / 1000,
      records: keepRecords,
    });
  return { result };
}
