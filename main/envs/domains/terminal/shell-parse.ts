/**
 * The simulator's own command-line parser (nothing is ever handed to a real shell). POSIX mode follows sh quoting
 * (single quotes literal, double quotes with \ escapes and $VAR expansion, backslash escapes) and cmd mode follows
 * cmd.exe (double quotes group, ^ escapes, %VAR% expansion). Output redirection `>` / `>>` is supported; pipes,
 * chaining, subshells and background jobs are recognised and refused (one command per turn).
 */

export interface Word {
  readonly text: string;
  /** An unquoted wildcard was present, so the shell may expand it. */
  readonly glob: boolean;
  /** Some part was quoted (cmd.exe then never reads a leading '/' in it as a switch). */
  readonly quoted: boolean;
}

export type ParsedLine =
  | { readonly kind: 'ok'; readonly words: readonly Word[]; readonly redirect: Redirect | null }
  | { readonly kind: 'unsupported'; readonly operator: string }
  | { readonly kind: 'invalid'; readonly reason: string };

export interface Redirect {
  readonly target: Word;
  readonly append: boolean;
}

export const MAX_LINE_CHARS = 1000;

type Env = Readonly<Record<string, string>>;

class WordBuilder {
  text = '';
  glob = false;
  quoted = false;
  started = false;
  add(s: string, quoted: boolean): void {
    this.text += s;
    this.started = true;
    if (quoted) this.quoted = true;
    else if (/[*?[]/.test(s)) this.glob = true;
  }
  take(): Word | null {
    if (!this.started) return null;
    const w = { text: this.text, glob: this.glob, quoted: this.quoted };
    this.text = '';
    this.glob = false;
    this.quoted = false;
    this.started = false;
    return w;
  }
}

/** Lines with control characters or several lines are not a command: the episode's format check refuses them. */
export function lineProblem(line: string): string | undefined {
  if (line.trim() === '') return 'empty command';
  if (line.length > MAX_LINE_CHARS) return `command longer than ${MAX_LINE_CHARS} characters`;
  if (/[\n\r]/.test(line.trim())) return 'more than one line (one command per turn)';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(line)) return 'control characters in the command';
  return undefined;
}

function readVarName(line: string, i: number): { name: string; end: number } | null {
  if (line[i] === '{') {
    const close = line.indexOf('}', i);
    if (close < 0) return null;
    return { name: line.slice(i + 1, close), end: close + 1 };
  }
  let j = i;
  while (j < line.length && /[A-Za-z0-9_]/.test(line[j])) j++;
  return j > i ? { name: line.slice(i, j), end: j } : null;
}

export function parsePosixLine(line: string, env: Env): ParsedLine {
  const words: Word[] = [];
  let redirect: Redirect | null = null;
  let pendingRedirect: { append: boolean } | null = null;
  const w = new WordBuilder();
  // As in sh, several redirections are allowed; the last one receives the output.
  const flush = () => {
    const word = w.take();
    if (!word) return;
    if (pendingRedirect) {
      redirect = { target: word, append: pendingRedirect.append };
      pendingRedirect = null;
    } else words.push(word);
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      flush();
      i++;
      continue;
    }
    if (c === '#' && !w.started) break;
    // Tilde expansion: an unquoted ~ at the start of a word, alone or before '/'.
    if (c === '~' && !w.started && (i + 1 >= line.length || line[i + 1] === '/' || line[i + 1] === ' ') && env.HOME) {
      w.add(env.HOME, true);
      i++;
      continue;
    }
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) return { kind: 'invalid', reason: 'unterminated single quote' };
      w.add(line.slice(i + 1, close), true);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let buf = '';
      for (;;) {
        if (j >= line.length) return { kind: 'invalid', reason: 'unterminated double quote' };
        const d = line[j];
        if (d === '"') break;
        if (d === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1])) {
          buf += line[j + 1];
          j += 2;
          continue;
        }
        if (d === '`' || (d === '$' && line[j + 1] === '('))
          return { kind: 'unsupported', operator: 'command substitution' };
        if (d === '$') {
          const v = readVarName(line, j + 1);
          if (v) {
            buf += env[v.name] ?? '';
            j = v.end;
            continue;
          }
        }
        buf += d;
        j++;
      }
      w.add(buf, true);
      i = j + 1;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= line.length) return { kind: 'invalid', reason: 'a trailing backslash (line continuation)' };
      w.add(line[i + 1], true);
      i += 2;
      continue;
    }
    if (c === '$') {
      if (line[i + 1] === '(') return { kind: 'unsupported', operator: 'command substitution $(...)' };
      const v = readVarName(line, i + 1);
      if (v) {
        w.add(env[v.name] ?? '', true);
        i = v.end;
        continue;
      }
      w.add('$', false);
      i++;
      continue;
    }
    if (c === '>') {
      if (w.text === '2' || w.text === '&') return { kind: 'unsupported', operator: `${w.text}>` };
      flush();
      if (pendingRedirect) return { kind: 'invalid', reason: 'a redirection without a target file' };
      const append = line[i + 1] === '>';
      pendingRedirect = { append };
      i += append ? 2 : 1;
      continue;
    }
    if ('|&;<()`'.includes(c)) {
      const two = line.slice(i, i + 2);
      const op = two === '&&' || two === '||' ? two : c;
      return { kind: 'unsupported', operator: op };
    }
    w.add(c, false);
    i++;
  }
  flush();
  if (pendingRedirect) return { kind: 'invalid', reason: 'a redirection without a target file' };
  return { kind: 'ok', words, redirect };
}

export function parseCmdLine(line: string, env: Env): ParsedLine {
  const words: Word[] = [];
  let redirect: Redirect | null = null;
  let pendingRedirect: { append: boolean } | null = null;
  const w = new WordBuilder();
  let quoted = false;
  const flush = () => {
    const word = w.take();
    if (!word) return;
    if (pendingRedirect) {
      redirect = { target: word, append: pendingRedirect.append };
      pendingRedirect = null;
    } else words.push(word);
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === '"') {
      quoted = !quoted;
      w.started = true;
      w.quoted = true;
      i++;
      continue;
    }
    if (c === '%') {
      const close = line.indexOf('%', i + 1);
      const name = close > i + 1 ? line.slice(i + 1, close) : '';
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && env[name.toUpperCase()] !== undefined) {
        w.add(env[name.toUpperCase()], true);
        i = close + 1;
        continue;
      }
    }
    if (quoted) {
      w.add(c, true);
      i++;
      continue;
    }
    if (c === ' ' || c === '\t') {
      flush();
      i++;
      continue;
    }
    if (c === '^') {
      if (i + 1 < line.length) w.add(line[i + 1], true);
      i += 2;
      continue;
    }
    if (c === '>') {
      if (w.text === '2') return { kind: 'unsupported', operator: '2>' };
      flush();
      if (pendingRedirect) return { kind: 'invalid', reason: 'a redirection without a target file' };
      const append = line[i + 1] === '>';
      pendingRedirect = { append };
      i += append ? 2 : 1;
      continue;
    }
    if ('|&<'.includes(c)) {
      const two = line.slice(i, i + 2);
      return { kind: 'unsupported', operator: two === '&&' || two === '||' ? two : c };
    }
    w.add(c, false);
    i++;
  }
  flush();
  if (pendingRedirect) return { kind: 'invalid', reason: 'a redirection without a target file' };
  return { kind: 'ok', words, redirect };
}
