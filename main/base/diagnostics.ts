/**
 * Source-located diagnostics for hand-written config files (plugin manifests, curricula): parse YAML or JSON
 * with the `yaml` document API, validate with zod, and map every zod issue path back to `file:line:col: field:
 * message`, so the user is told exactly where to look instead of receiving a schema dump.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
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

  private constructor(file: string, doc: Document.Parsed, lines: LineCounter) {
    this.file = file;
    this.doc = doc;
    this.lines = lines;
    this.value = doc.toJS({ maxAliasCount: 100 });
  }

  /** Parse `text`; syntax errors (and duplicate keys) become one SourceError naming file:line:col. */
  static parse(text: string, file: string, code: CodErrorCode = 'bad_config'): LocatedSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const issues = doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, col: pos.col, field: '', message: `syntax error: ${firstLine(e.message)}` };
      });
      throw new SourceError(code, issues);
    }
    return new LocatedSource(file, doc, lines);
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

function firstLine(s: string): string {
  return s.split('\n')[0];
}
