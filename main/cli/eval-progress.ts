/**
 * Progress of `cod eval` / `cod compare` on stderr: tasks played and lifecycles ended, what is being evaluated, and
 * the time left. A bar for people at a terminal (cli-progress), a line every tenth when stderr is a file or pipe,
 * or JSON lines with --events (main/api/jobs.ts: progress per task, one `cached` event per suite read from the cache).
 */
import { SingleBar } from 'cli-progress';
import type { CachedEvent, ProgressEvent } from '../api/jobs.ts';

export interface EvalProgress {
  /** What is evaluated now (`evaluating A (dir) on suite`), shown beside the bar. */
  phase(label: string): void;
  /** One more task played. */
  task(): void;
  /** One more lifecycle ended. */
  lifecycle(): void;
  /** A suite read from the cache: its tasks and lifecycles count as done at once. */
  cached(e: Omit<CachedEvent, 'event'>, tasks: number, lifecycles: number): void;
  /** One line of its own (kept above the bar). */
  say(line: string): void;
  stop(): void;
}

const clock = (s: number): string => {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
};

export function evalProgress(
  label: string,
  totals: { tasks: number; lifecycles: number },
  mode: 'events' | 'human',
): EvalProgress {
  let tasks = 0;
  let lifecycles = 0;
  let phase = '';
  // Time left from the tasks played here (a cached suite's tasks took no time and say nothing of the rate).
  let played = 0;
  const t0 = performance.now();
  const eta = (): number => {
    const s = (performance.now() - t0) / 1000;
    return played > 0 ? (s / played) * (totals.tasks - tasks) : NaN;
  };
  const write = (line: string) => process.stderr.write(line + '\n');

  if (mode === 'events') {
    const emit = () =>
      write(
        JSON.stringify({
          event: 'progress',
          done: tasks,
          total: totals.tasks,
          lifecycles,
          lifecyclesTotal: totals.lifecycles,
        } satisfies ProgressEvent),
      );
    emit();
    return {
      phase: (l) => void (phase = l),
      task: () => {
        tasks++;
        played++;
        emit();
      },
      lifecycle: () => {
        lifecycles++;
      },
      cached: (e, t, l) => {
        write(JSON.stringify({ event: 'cached', ...e } satisfies CachedEvent));
        tasks += t;
        lifecycles += l;
        emit();
      },
      say: () => undefined,
      stop: () => undefined,
    };
  }

  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} tasks | {lifecycles}/${totals.lifecycles} lifecycles | ETA {left} | {phase}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    });
    const payload = () => ({ lifecycles, phase, left: clock(eta()) });
    bar.start(totals.tasks, 0, payload());
    return {
      phase: (l) => {
        phase = l;
        bar.update(tasks, payload());
      },
      task: () => {
        tasks++;
        played++;
        bar.update(tasks, payload());
      },
      lifecycle: () => {
        lifecycles++;
        bar.update(tasks, payload());
      },
      cached: (e, t, l) => {
        tasks += t;
        lifecycles += l;
        bar.update(tasks, payload());
        // cli-progress keeps its line at the bottom: a line of our own goes above it.
        bar.stop();
        write(cachedLine(label, e));
        bar.start(totals.tasks, tasks, payload());
      },
      say: (line) => {
        bar.stop();
        write(line);
        bar.start(totals.tasks, tasks, payload());
      },
      stop: () => bar.stop(),
    };
  }

  let lastTenth = -1;
  const line = () => {
    const tenth = Math.floor((10 * tasks) / Math.max(1, totals.tasks));
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    const left = tasks < totals.tasks && played > 0 ? `, ${clock(eta())} left` : '';
    write(
      `${label}: ${tasks}/${totals.tasks} tasks, ${lifecycles}/${totals.lifecycles} lifecycles${left}${phase ? ` (${phase})` : ''}`,
    );
  };
  line();
  return {
    phase: (l) => void (phase = l),
    task: () => {
      tasks++;
      played++;
      line();
    },
    lifecycle: () => void lifecycles++,
    cached: (e, t, l) => {
      tasks += t;
      lifecycles += l;
      write(cachedLine(label, e));
      line();
    },
    say: write,
    stop: () => undefined,
  };
}

/** `cod compare: A (dir) on suite fl: read from the eval cache (played 2026-…, 41.0 s then)`. */
export function cachedLine(label: string, e: Omit<CachedEvent, 'event'>): string {
  const side = e.side ? `${e.side.toUpperCase()} ` : '';
  return `${label}: ${side}on suite ${e.suite}: read from the eval cache (played ${e.playedAt} in ${e.playedS.toFixed(1)} s; ${e.file})`;
}
