/**
 * Python's shlex.split as the paper Terminal uses it (env.py _execute_single: posix mode on Linux, macOS and over
 * ssh; non-posix mode in the local Windows shell). Written here because the reference's tokenisation decides what a
 * command sees, and no npm tokenizer reproduces both of Python's modes:
 * - posix: whitespace splits words; '…' is literal; "…" is literal except \\ \" (backslash-escapes); outside quotes a
 *   backslash escapes the next character; quotes join with adjacent text ('a"b c"d' → 'ab cd').
 * - non-posix: a quote opens a quoted token only at the start of a token and the token (quotes kept) ends at its
 *   closing quote; quotes inside a word are ordinary characters; backslashes are ordinary characters.
 * Unbalanced quotes (and, posix, a trailing backslash) throw, as shlex raises ValueError.
 */

export class ShlexError extends Error {}

const WHITESPACE = ' \t\r\n';

export function shlexSplit(text: string, posix: boolean): string[] {
  return posix ? splitPosix(text) : splitNonPosix(text);
}

function splitPosix(text: string): string[] {
  const out: string[] = [];
  let token = '';
  let inToken = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (WHITESPACE.includes(c)) {
      if (inToken) out.push(token);
      token = '';
      inToken = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShlexError('No closing quotation');
      token += text.slice(i + 1, end);
      inToken = true;
      i = end + 1;
    } else if (c === '"') {
      inToken = true;
      i++;
      for (;;) {
        if (i >= text.length) throw new ShlexError('No closing quotation');
        const d = text[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          token += text[i + 1];
          i += 2;
        } else {
          token += d;
          i++;
        }
      }
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new ShlexError('No escaped character');
      token += text[i + 1];
      inToken = true;
      i += 2;
    } else {
      token += c;
      inToken = true;
      i++;
    }
  }
  if (inToken) out.push(token);
  return out;
}

function splitNonPosix(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (WHITESPACE.includes(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ShlexError('No closing quotation');
      out.push(text.slice(i, end + 1));
      i = end + 1;
    } else {
      let j = i;
      while (j < text.length && !WHITESPACE.includes(text[j])) j++;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}
