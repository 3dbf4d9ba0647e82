/**
 * Wildcard matching for file names (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`), and glob expansion over the simulated
 * file system. Hand-written two-pointer matcher: no RegExp is built from user input, so no backtracking blow-ups.
 */
import type { FileSystem, FsPath } from './fs.ts';

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Length of the bracket expression at p (0 if it is not a well-formed one), and whether c matches it. */
function bracket(pattern: string, p: number, c: string): { len: number; ok: boolean } {
  let i = p + 1;
  const negate = pattern[i] === '!' || pattern[i] === '^';
  if (negate) i++;
  let ok = false;
  let first = true;
  while (i < pattern.length && (first || pattern[i] !== ']')) {
    first = false;
    const lo = pattern[i];
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      if (c >= lo && c <= pattern[i + 2]) ok = true;
      i += 3;
    } else {
      if (c === lo) ok = true;
      i++;
    }
  }
  if (i >= pattern.length) return { len: 0, ok: false };
  return { len: i - p + 1, ok: negate ? !ok : ok };
}

export function matchName(pattern: string, name: string, caseInsensitive: boolean): boolean {
  const pat = caseInsensitive ? pattern.toLowerCase() : pattern;
  const str = caseInsensitive ? name.toLowerCase() : name;
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  while (s < str.length) {
    if (p < pat.length && pat[p] === '*') {
      star = p++;
      mark = s;
      continue;
    }
    if (p < pat.length && pat[p] === '?') {
      p++;
      s++;
      continue;
    }
    if (p < pat.length && pat[p] === '[') {
      const b = bracket(pat, p, str[s]);
      if (b.len > 0 && b.ok) {
        p += b.len;
        s++;
        continue;
      }
      if (b.len === 0 && str[s] === '[') {
        p++;
        s++;
        continue;
      }
    } else if (p < pat.length && pat[p] === str[s]) {
      p++;
      s++;
      continue;
    }
    if (star >= 0) {
      p = star + 1;
      s = ++mark;
      continue;
    }
    return false;
  }
  while (p < pat.length && pat[p] === '*') p++;
  return p === pat.length;
}

/**
 * Expand a parsed path whose components may hold wildcards; hidden names (leading dot) match only an explicit
 * dot. Returns the matches sorted, or [] when nothing matches. At most 500 matches are produced.
 */
export function expandGlob(fs: FileSystem, parts: FsPath): string[][] {
  let current: string[][] = [[]];
  for (const part of parts) {
    const next: string[][] = [];
    for (const base of current) {
      if (!hasWildcard(part)) {
        if (fs.get([...base, part])) next.push([...base, part]);
        continue;
      }
      const dir = fs.get(base);
      if (!dir || dir.kind !== 'dir') continue;
      for (const name of [...dir.children.keys()].sort()) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (matchName(part, name, fs.caseInsensitive)) next.push([...base, name]);
        if (next.length >= 500) break;
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}
