/**
 * Modification times in the simulator: minutes relative to a fixed "now" (2025-03-03 09:14), shown the way
 * `ls -l` and `dir` show them, and read back from such listings (the oracle compares dates to pick the current copy).
 */

const NOW = Date.UTC(2025, 2, 3, 9, 14);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

function at(mtime: number): Date {
  return new Date(NOW + mtime * 60_000);
}

/** `ls -l` style: "Mar  3 09:14" within six months, else "Nov 12  2024". */
export function lsDate(mtime: number): string {
  const d = at(mtime);
  const head = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)}`;
  const recent = mtime > -182 * 1440;
  return recent ? `${head} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` : `${head}  ${d.getUTCFullYear()}`;
}

/** `dir` style: "03/03/2025  09:14 AM". */
export function dirDate(mtime: number): string {
  const d = at(mtime);
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()}  ${pad(h12)}:${pad(d.getUTCMinutes())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** The time (ms) in an `ls -l` line or a `dir` line, or null. */
export function listedTime(line: string): number | null {
  const ls = /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+(?:(\d{2}):(\d{2})|(\d{4}))\s/.exec(
    line,
  );
  if (ls) {
    const month = MONTHS.indexOf(ls[1]);
    if (ls[5]) return Date.UTC(Number(ls[5]), month, Number(ls[2]));
    // Without a year, ls means the last six months: a date "after now" is from last year.
    const t = Date.UTC(2025, month, Number(ls[2]), Number(ls[3]), Number(ls[4]));
    return t > NOW ? Date.UTC(2024, month, Number(ls[2]), Number(ls[3]), Number(ls[4])) : t;
  }
  const dir = /^(\d{2})\/(\d{2})\/(\d{4})\s+(\d{2}):(\d{2})\s+(AM|PM)/.exec(line.trim());
  if (dir) {
    const h = (Number(dir[4]) % 12) + (dir[6] === 'PM' ? 12 : 0);
    return Date.UTC(Number(dir[3]), Number(dir[1]) - 1, Number(dir[2]), h, Number(dir[5]));
  }
  return null;
}
