/**
 * The trainer's output for a run the workbench launched, kept as `<runDir>/trainer.log` so the run's details can
 * show it after the worker (or the workbench) is gone: the command line, then every stderr line and one readable
 * line per event (steps, checkpoints, evaluations, the end), each with its time. Progress events are left out.
 */
import { closeSync, existsSync, openSync, readSync, statSync, writeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RunLog } from '../api/types.ts';

export const TRAINER_LOG = 'trainer.log';
/** The log's first line: the command that started the trainer (read back as the run's command). */
const COMMAND_PREFIX = '# command: ';
/** Most of a log read back for the UI (its tail). */
const MAX_READ_BYTES = 2 * 1024 * 1024;

export function trainerLogPath(runDir: string): string {
  return path.join(runDir, TRAINER_LOG);
}

/** Appends lines; lines written before the run directory is known are held and flushed when it is. */
export class TrainerLogWriter {
  private fd: number | null = null;
  private readonly held: string[] = [];

  constructor(command: readonly string[]) {
    this.held.push(COMMAND_PREFIX + command.map(shellWord).join(' '));
  }

  open(runDir: string): void {
    if (this.fd !== null) return;
    try {
      mkdirSync(runDir, { recursive: true });
      this.fd = openSync(trainerLogPath(runDir), 'a');
      for (const l of this.held.splice(0)) writeSync(this.fd, l + '\n');
    } catch {
      this.fd = null; // a read-only run dir: the job still runs, the run just has no log
    }
  }

  line(text: string): void {
    const l = `${new Date().toISOString()} ${text}`;
    if (this.fd === null) {
      if (this.held.length < 1000) this.held.push(l);
      return;
    }
    try {
      writeSync(this.fd, l + '\n');
    } catch {
      // disk full: the trainer's own output matters more than its copy
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** A word as a POSIX shell would need it quoted (for a command line people can copy). */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The last `maxLines` lines of a run's log (reading at most the last 2 MB of the file). */
export function readTrainerLog(runDir: string, maxLines: number): RunLog & { command: string | null } {
  const file = trainerLogPath(runDir);
  if (!existsSync(file)) return { file: null, lines: [], truncated: false, command: null };
  const size = statSync(file).size;
  const start = Math.max(0, size - MAX_READ_BYTES);
  const buf = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  let command: string | null = null;
  try {
    readSync(fd, buf, 0, buf.length, start);
    const head = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, head, 0, head.length, 0);
    const first = head.toString('utf8').split('\n')[0];
    if (first.startsWith(COMMAND_PREFIX)) command = first.slice(COMMAND_PREFIX.length);
  } finally {
    closeSync(fd);
  }
  let lines = buf.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (start > 0) lines.shift(); // cut mid-line
  const truncated = start > 0 || lines.length > maxLines;
  lines = lines.slice(-maxLines);
  return { file, lines, truncated, command };
}
