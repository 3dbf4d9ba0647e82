/**
 * The append-only log baseline's memory (memory mode 'append_log'): every finished task's trajectory, reward and
 * feedback appended to a log, shown as the context truncated to a character budget — the same budget the notes
 * get — keeping the most recent entries, so it can be compared with self-written notes at equal size.
 */

const DROPPED = '[earlier entries dropped]\n';

/** The last `budget` characters of `log`, cut at a line start and marked when something was dropped. */
export function truncateLog(log: string, budget: number): string {
  if (log.length <= budget) return log;
  if (budget <= DROPPED.length) return log.slice(log.length - Math.max(0, budget));
  let tail = log.slice(log.length - (budget - DROPPED.length));
  const nl = tail.indexOf('\n');
  if (nl >= 0 && nl < tail.length - 1) tail = tail.slice(nl + 1);
  return DROPPED + tail;
}

export class AppendLog {
  private log = '';
  constructor(private readonly budget: number) {}

  append(entry: string): void {
    this.log = this.log === '' ? entry : `${this.log}\n\n${entry}`;
  }

  /** The context z the next task sees. */
  context(): string {
    return 'Hints: ' + truncateLog(this.log, this.budget);
  }
}
