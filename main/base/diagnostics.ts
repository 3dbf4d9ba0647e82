/**
 * Source-located diagnostics for hand-written config files (plugin manifests, curricula): parse YAML or JSON
 * with the `yaml` document API, validate with zod, and map every zod issue path back to `file:line:col: field:
 * message`, so the user is told exactly where to look instead of receiving a schema dump.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { formatBytes, LIMITS } from './budget.ts';
import { CodError, type CodErrorCode } from './errors.ts';

export interface SourceIssue {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted field path, e.g. `train.domains[0].weight` ('' for the document root). */
  readonly field: string;
  readonly message: string;
}

/** A CodError carrying every located issue, so a UI can mark each line; its message lists them all. */
export class SourceError extends CodError {
  readonly issues: readonly SourceIssue[];
  constructor(code: CodErrorCode, issues: readonly SourceIssue[]) {
    const [first, ...rest] = issues;
    const body = [formatIssueBody(first), ...rest.map(formatIssue)].join('\n');
    super(code, body, `${first.file}:${first.line}:${first.col}`);
    this.name = 'SourceError';
    this.issues = issues;
  }
}

export function formatIssue(i: SourceIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${formatIssueBody(i)}`;
}

function formatIssueBody(i: SourceIssue): string {
  return i.field ? `${i.field}: ${i.message}` : i.message;
}

/** A parsed YAML/JSON document that remembers where each node came from. */
export class LocatedSource {
  readonly file: string;
  readonly value: unknown;
  private readonly doc: Document.Parsed;
  private readonly lines: LineCounter;

  private constructor(file: string, doc: Document.Parsed, lines: LineCounter, code: CodErrorCode) {
    this.file = file;
    this.doc = doc;
    this.lines = lines;
    try {
      this.value = doc.toJS({ maxAliasCount: LIMITS.yamlAliases });
    } catch (e) {
      // The yaml package says only "Excessive alias count…" (a billion-laughs document) or overflows the stack on a
      // deeply nested one; either is the document's fault, reported where it happens.
      if (e instanceof ReferenceError && /alias/i.test(e.message)) {
        const at = aliasOverBudget(doc) ?? doc.contents;
        const pos = lines.linePos(rangeStart(at) ?? 0);
        throw new SourceError(code, [
          {
            file,
            line: pos.line,
            col: pos.col,
            field: '',
            message: /disabled|unresolved/i.test(e.message)
              ? firstLine(e.message)
              : `aliases expand past the limit of ${LIMITS.yamlAliases} nodes (an alias bomb?)`,
          },
        ]);
      }
      if (e instanceof RangeError)
        throw new SourceError(code, [
          { file, line: 1, col: 1, field: '', message: 'the document is nested too deeply' },
        ]);
      throw e;
    }
  }

  /**
   * Parse `text`; syntax errors (and duplicate keys) become one SourceError naming file:line:col. A text over the
   * document budget (LIMITS.documentBytes) is refused before it is parsed.
   */
  static parse(text: string, file: string, code: CodErrorCode = 'bad_config'): LocatedSource {
    // UTF-16 length is at most the UTF-8 byte count, so measure bytes only when the length alone does not decide.
    const limit = LIMITS.documentBytes;
    const bytes = text.length > limit ? text.length : text.length * 3 > limit ? utf8Bytes(text) : text.length;
    if (bytes > limit)
      throw new SourceError(code, [
        {
          file,
          line: 1,
          col: 1,
          field: '',
          message: `the document is ${formatBytes(bytes)}, over the limit of ${formatBytes(limit)}`,
        },
      ]);
    const lines = new LineCounter();
    let doc: Document.Parsed;
    try {
      doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    } catch (e) {
      if (e instanceof RangeError)
        throw new SourceError(code, [
          { file, line: 1, col: 1, field: '', message: 'the document is nested too deeply' },
        ]);
      throw e;
    }
    if (doc.errors.length > 0) {
      const issues = doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, col: pos.col, field: '', message: `syntax error: ${firstLine(e.message)}` };
      });
      throw new SourceError(code, issues);
    }
    return new LocatedSource(file, doc, lines, code);
  }

  /**
   * Where `path` is in the file. A missing field is reported at the nearest enclosing node that exists (its key
   * when it has one), since there is no text to point at.
   */
  locate(path: readonly PropertyKey[], atKey = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        const valueStart = rangeStart(pair.value);
        const last = i === path.length - 1;
        offset = (last && atKey) || valueStart === undefined ? (keyStart ?? offset) : valueStart;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg >= 0 && seg < node.items.length) {
        node = node.items[seg];
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    return this.lines.linePos(offset);
  }

  /** Validate against `schema`; every issue becomes a located SourceIssue. */
  validate<S extends z.ZodType>(schema: S, code: CodErrorCode = 'bad_config'): z.output<S> {
    const r = schema.safeParse(this.value);
    if (r.success) return r.data;
    throw new SourceError(code, this.issuesOf(r.error.issues));
  }

  issuesOf(zodIssues: readonly z.core.$ZodIssue[]): SourceIssue[] {
    const out: SourceIssue[] = [];
    for (const issue of zodIssues) {
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) out.push(this.issueAt([...issue.path, k], `unknown field '${k}'`, true));
        continue;
      }
      out.push(this.issueAt(issue.path, describeIssue(issue, valueAt(this.value, issue.path))));
    }
    return out.sort((a, b) => a.line - b.line || a.col - b.col);
  }

  /** A located issue for a check done outside the schema (unknown domain id, missing plugin dir…). */
  issueAt(path: readonly PropertyKey[], message: string, atKey = false): SourceIssue {
    const pos = this.locate(path, atKey);
    return { file: this.file, line: pos.line, col: pos.col, field: fieldPath(path), message };
  }
}

/** `['train', 'domains', 0, 'weight']` → `train.domains[0].weight`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? String(seg) : `.${String(seg)}`;
  }
  return s;
}

const MISSING = Symbol('missing');

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return MISSING;
    const rec = v as Record<PropertyKey, unknown>;
    if (!Object.prototype.hasOwnProperty.call(rec, seg)) return MISSING;
    v = rec[seg];
  }
  return v;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '…' : v}'`;
  return String(v);
}

/** Short, user-facing wording for the zod issue kinds a config file can produce. */
function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (value === MISSING || value === undefined) return 'required';
      if (issue.expected === 'int') return `must be an integer, got ${kindOf(value)}`;
      return `expected ${article(issue.expected)}, got ${kindOf(value)}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
        return `must be ${issue.inclusive ? '>=' : '>'} ${min}`;
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have at least ${min} item${min === 1 ? '' : 's'}`;
      return issue.message;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
        return `must be ${issue.inclusive ? '<=' : '<'} ${max}`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${max} items`;
      return issue.message;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => `'${String(v)}'`).join(', ')}, got ${kindOf(value)}`;
    case 'invalid_format':
      return issue.message;
    default:
      return issue.message;
  }
}

function article(t: string): string {
  if (t === 'object') return 'a mapping';
  if (t === 'array') return 'a list';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as { range?: readonly number[] } | null | undefined)?.range;
  return r ? r[0] : undefined;
}

function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4; // a surrogate pair: one 4-byte character
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The first alias the yaml package cannot resolve, or the one at which its expansion count passes LIMITS.yamlAliases, found by replaying its rule
 * (yaml 2.x nodes/Alias.js: each use of an anchor counts once, times the largest expansion inside the anchored node)
 * over the aliases in document order, which is the order toJS resolves them in.
 */
function aliasOverBudget(doc: Document.Parsed): Alias | undefined {
  const anchored: YamlNode[] = [];
  const data = new Map<YamlNode, { count: number; aliasCount: number }>();
  let culprit: Alias | undefined;
  const source = (a: Alias): YamlNode | undefined => {
    let found: YamlNode | undefined;
    for (const n of anchored) if (n.anchor === a.source) found = n;
    return found;
  };
  const aliasCount = (node: unknown): number => {
    if (isAlias(node)) {
      const s = source(node);
      const d = s && data.get(s);
      return d ? d.count * d.aliasCount : 0;
    }
    if (isCollection(node)) return Math.max(0, ...node.items.map(aliasCount));
    if (isPair(node)) return Math.max(aliasCount(node.key), aliasCount(node.value));
    return 1;
  };
  visit(doc, {
    Node(_key, node) {
      if (culprit) return visit.BREAK;
      if (isAlias(node)) {
        const s = source(node);
        if (!s) {
          culprit = node; // an alias before its anchor: the yaml package refuses it too
          return visit.BREAK;
        }
        const d = data.get(s) ?? { count: 0, aliasCount: 0 };
        data.set(s, d);
        d.count += 1;
        if (d.aliasCount === 0) d.aliasCount = aliasCount(s);
        if (d.count * d.aliasCount > LIMITS.yamlAliases) culprit = node;
      } else if (node.anchor) {
        anchored.push(node);
      }
      return undefined;
    },
  });
  return culprit;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
