/**
 * The input budget: every limit the workbench puts on what a file, a model directory or a client may make it do, in
 * one table, and the checks that apply them. A refusal is one CodError line naming the input, its size and the limit
 * ("curriculum.yaml: the file is 40.0 MiB, over the limit of 1.0 MiB"), raised before the work that would cost it
 * (a file is measured before it is read, a model's parameters before they are allocated).
 *
 * Pure TS: the readers measure (a file's stat, the machine's free memory and disk) and pass the numbers in, so every
 * layer, the renderer included, applies the same limits.
 */
import { CodError, type CodErrorCode } from './errors.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

export const LIMITS = {
  /**
   * A YAML or JSON document a person writes (a curriculum, a plugin manifest, a model's config.json). The shipped
   * curricula are 1-3 KiB; a curriculum with every prompt overridden is tens of KiB.
   */
  documentBytes: 1 * MiB,
  /** YAML alias expansions (the `yaml` package's maxAliasCount): a curriculum needs a few; a bomb needs millions. */
  yamlAliases: 100,
  /** A chat template's source. Qwen3's is ~4 KiB, templates with tool schemas ~10-20 KiB. */
  chatTemplateChars: 256 * KiB,
  /** tokenizer_config.json (it may carry the chat template and added tokens; Qwen's is ~7 KiB). */
  tokenizerConfigBytes: 4 * MiB,
  /** tokenizer.json (Qwen3's is ~11 MiB, Gemma's ~33 MiB). */
  tokenizerBytes: 64 * MiB,
  /**
   * One render of a chat template (a conversation and its prefixes): wall time, rendered text, interpreter steps and
   * the render worker's heap. A 30-turn conversation of the Qwen3 template renders in about a millisecond.
   */
  templateRenderMs: 2_000,
  templateOutputChars: 8 * MiB,
  templateSteps: 500_000,
  templateRangeItems: 1_000_000,
  templateHeapMb: 64,
  /** Files a plugin directory may hold (its tree is walked at load for links leading outside it). */
  pluginFiles: 10_000,
  /** `cod serve`: open WebSocket connections, and requests one connection may have unanswered at once. */
  serveConnections: 16,
  serveInFlight: 32,
  /** `cod serve`: unsent bytes a connection may hold (a client that stops reading) before it is dropped. */
  serveBufferedBytes: 64 * MiB,
  /**
   * The Electron window's calls to the services host: a call with no answer in this long fails (the host is wedged,
   * or a call is far slower than any should be). A host that died fails its calls at once and is restarted after
   * hostRestartMs, doubling while it keeps dying young, and left down after hostRestarts quick deaths in a row.
   */
  hostCallMs: 60_000,
  hostRestartMs: 500,
  hostRestarts: 5,
  /**
   * `cod serve` stopping (SIGTERM, Ctrl-C): how long its jobs get to stop cleanly (a trainer finishes its step and
   * saves a checkpoint), then how long after they are told to quit at once.
   */
  serveStopGraceMs: 30_000,
  serveStopForceMs: 5_000,
  /** Jobs the services run at once: trainers and comparisons (each is a process using the CPU fully). */
  trainers: 4,
  comparisons: 4,
  /**
   * The store's change feed: rows older than this many ms are pruned, but the newest `changeFeedKeep` always stay
   * (a follower that falls further behind is told to re-read everything rather than being left with a gap).
   */
  changeFeedKeepMs: 10 * 60_000,
  changeFeedKeep: 10_000,
} as const;

export type LimitName = keyof typeof LIMITS;

/** 1536 -> '1.5 KiB'; exact bytes below 1 KiB. */
export function formatBytes(n: number): string {
  if (n < KiB) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n / KiB;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** The one refusal: `where: what is SIZE, over the limit of LIMIT`. */
export function overLimit(
  what: string,
  size: string,
  limit: string,
  where?: string,
  code: CodErrorCode = 'bad_input',
): CodError {
  return new CodError(code, `${what} is ${size}, over the limit of ${limit}`, where);
}

/** Refuses a file or text of `bytes` over `limit` bytes before it is read or parsed. */
export function checkBytes(what: string, bytes: number, limit: number, where?: string): void {
  if (bytes > limit) throw overLimit(what, formatBytes(bytes), formatBytes(limit), where);
}

/** Refuses a count (items, steps, connections) over `limit`. */
export function checkCount(what: string, n: number, limit: number, where?: string, unit = ''): void {
  if (n > limit) throw overLimit(what, `${n}${unit}`, `${limit}${unit}`, where);
}

/** What a machine has left for one more thing, as its reader measured it (bytes; Infinity when unknown). */
export interface Room {
  readonly memory: number;
  /** Free space where the files go (absent: nothing is written). */
  readonly disk?: number;
}

/**
 * Refuses work that needs more memory or disk than the machine has: `need.memory` bytes held at once, `need.disk`
 * bytes written. Checked before the first allocation, so a 100B-parameter config is refused at once instead of
 * allocating until the kernel kills the process.
 */
export function checkRoom(what: string, need: { memory?: number; disk?: number }, room: Room, where?: string): void {
  if (need.memory !== undefined && need.memory > room.memory)
    throw new CodError(
      'bad_input',
      `${what} needs ${formatBytes(need.memory)} of memory; this machine has ${formatBytes(room.memory)} available`,
      where,
    );
  if (need.disk !== undefined && room.disk !== undefined && need.disk > room.disk)
    throw new CodError(
      'bad_input',
      `${what} needs ${formatBytes(need.disk)} of disk; ${formatBytes(room.disk)} is free there`,
      where,
    );
}
