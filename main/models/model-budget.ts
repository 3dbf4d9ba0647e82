/**
 * A model's size against the machine, before anything is allocated or written: its parameter count from config.json
 * alone, times the bytes each parameter takes in memory or on disk, checked against what the machine has (the input
 * budget, main/base/budget.ts). A 100B-parameter config is refused at once with one line saying what it needs.
 */
import { existsSync, statfsSync } from 'node:fs';
import { freemem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { checkRoom, type Room } from '../base/budget.ts';
import type { ModelConfig } from './config.ts';
import { expectedTensorShapes } from './checkpoint-files.ts';

/** The number of parameters a config declares (every tensor the model uses). */
export function parameterCount(c: ModelConfig): number {
  let n = 0;
  for (const shape of expectedTensorShapes(c).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Memory this process may still take: the kernel's available memory, within a cgroup's limit where there is one. */
export function availableMemory(): number {
  const p = process as unknown as { availableMemory?: () => number };
  return typeof p.availableMemory === 'function' ? p.availableMemory() : freemem();
}

/** Free space on the file system that holds `path` (or would: its nearest existing ancestor). */
export function freeDisk(path: string): number {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return Infinity; // a file system that cannot say: the write itself will report a full disk
  }
}

export interface ModelNeeds {
  /** Bytes per parameter held in memory at once (e.g. 4 for float32 weights). */
  readonly memoryPerParam?: number;
  /** Bytes per parameter written, and where. */
  readonly disk?: { readonly dir: string; readonly perParam: number };
}

/** Refuses a model that cannot fit in this machine's memory or disk, naming the config and what it needs. */
export function checkModelFits(c: ModelConfig, what: string, where: string, needs: ModelNeeds, room?: Room): void {
  const n = parameterCount(c);
  const label = `${what} (${n.toLocaleString('en-US')} parameters)`;
  checkRoom(
    label,
    {
      ...(needs.memoryPerParam !== undefined ? { memory: n * needs.memoryPerParam } : {}),
      ...(needs.disk ? { disk: n * needs.disk.perParam } : {}),
    },
    room ?? { memory: availableMemory(), ...(needs.disk ? { disk: freeDisk(needs.disk.dir) } : {}) },
    where,
  );
}
