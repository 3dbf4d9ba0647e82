/**
 * Editing a curriculum's YAML through the form without losing what the file says beyond its values: the form works
 * on plain values, and each change is applied to the parsed `yaml` Document in place (a changed scalar keeps its
 * node, so its comment stays; new keys go after the existing ones; removed keys take their comments with them),
 * instead of writing the object out again — which would drop every comment and reorder the keys.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, stringify } from 'yaml';

type Path = (string | number)[];
type Plain = null | boolean | number | string | Plain[] | { [k: string]: Plain };

/** What an emptied form field holds ('' from a cleared number input): the key is removed. */
export function isUnset(v: unknown): boolean {
  return v === '' || v === undefined || v === null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A value without unset fields (what the document should hold for it). */
export function clean(v: unknown): Plain {
  if (Array.isArray(v)) return v.filter((x) => !isUnset(x)).map(clean);
  if (isObject(v)) {
    const out: Record<string, Plain> = {};
    for (const [k, x] of Object.entries(v)) if (!isUnset(x)) out[k] = clean(x);
    return out;
  }
  return v as Plain;
}

/** Set a whole value at `path`, keeping a flow sequence's style (`seeds: [1, 2]` stays on one line). */
function setValue(doc: Document, path: Path, value: Plain): void {
  const old = doc.getIn(path, true);
  const node = doc.createNode(value);
  if (isSeq(old) && isSeq(node)) node.flow = old.flow;
  if (isMap(old) && isMap(node)) node.flow = old.flow;
  if (isScalar(old) && !isObject(value) && !Array.isArray(value)) {
    doc.setIn(path, value); // the scalar node is kept: its comments stay
    return;
  }
  // The comments written at the old value (`seeds: [1, 2] # why`) belong to the new one.
  if ((isSeq(old) || isMap(old)) && (isSeq(node) || isMap(node))) {
    node.comment = old.comment;
    node.commentBefore = old.commentBefore;
  }
  doc.setIn(path, node);
}

function patch(doc: Document, path: Path, before: unknown, after: unknown): void {
  if (same(before, after)) return;
  if (isObject(before) && isObject(after) && isMap(path.length ? doc.getIn(path, true) : doc.contents)) {
    for (const k of Object.keys(before)) if (!(k in after) || isUnset(after[k])) doc.deleteIn([...path, k]);
    for (const [k, v] of Object.entries(after)) {
      if (isUnset(v)) continue;
      if (!(k in before) || isUnset(before[k])) doc.setIn([...path, k], doc.createNode(clean(v)));
      else patch(doc, [...path, k], before[k], v);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && isSeq(doc.getIn(path, true))) {
    const objects = after.every(isObject) && before.every(isObject);
    if (!objects) return setValue(doc, path, clean(after));
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) patch(doc, [...path, i], before[i], after[i]);
    for (let i = before.length - 1; i >= after.length; i--) doc.deleteIn([...path, i]);
    for (let i = common; i < after.length; i++) doc.addIn(path, doc.createNode(clean(after[i])));
    return;
  }
  setValue(doc, path, clean(after));
}

type Scalar = string | number | boolean;
const isScalarValue = (v: unknown): v is Scalar =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Paths whose value changed, when every change is one scalar replacing another (else null: a structural edit). */
function scalarChanges(before: unknown, after: unknown, path: Path = []): { path: Path; value: Scalar }[] | null {
  if (same(before, after)) return [];
  if (isScalarValue(before) && isScalarValue(after)) return [{ path, value: after }];
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    const out: { path: Path; value: Scalar }[] = [];
    for (const k of keys) {
      if (!(k in before) || !(k in after) || isUnset(after[k]) || isUnset(before[k])) return null;
      const sub = scalarChanges(before[k], after[k], [...path, k]);
      if (!sub) return null;
      out.push(...sub);
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    const out: { path: Path; value: Scalar }[] = [];
    for (let i = 0; i < before.length; i++) {
      const sub = scalarChanges(before[i], after[i], [...path, i]);
      if (!sub) return null;
      out.push(...sub);
    }
    return out;
  }
  return null;
}

/** A scalar as YAML source for the place of an old one (keeping its quoting style when it had one). */
function scalarSource(value: Scalar, old: { type?: string | undefined }): string | null {
  if (typeof value !== 'string') return String(value);
  if (value.includes('\n')) return null; // a block scalar cannot replace an inline one in place
  if (old.type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (old.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  const plain = stringify(value, { lineWidth: 0 }).trimEnd();
  return plain.includes('\n') ? JSON.stringify(value) : plain;
}

/**
 * Changed scalars replaced where they stand in the text (each node's source range), so every other byte —
 * comments, blank lines, how long lines were folded — stays as written; null when the edit is structural.
 */
function replaceScalars(text: string, before: unknown, after: unknown): string | null {
  const changes = scalarChanges(before, after);
  if (!changes) return null;
  const doc = parseDocument(text);
  const edits: { from: number; to: number; source: string }[] = [];
  for (const c of changes) {
    const node = doc.getIn(c.path, true);
    if (
      !isScalar(node) ||
      !node.range ||
      (node.type !== 'PLAIN' && node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE')
    )
      return null;
    const source = scalarSource(c.value, node);
    if (source === null) return null;
    edits.push({ from: node.range[0], to: node.range[1], source });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.source + out.slice(e.to);
  // The edit must say what the form says: parse it back, or fall back to editing the document.
  return same(formValues(out), { ok: true, value: clean(after) }) ? out : null;
}

/**
 * The YAML text after the form changed the values from `before` to `after`: the same text where nothing changed,
 * comments and key order kept. A changed value is replaced where it stands; an added or removed key or list item
 * is edited through the Document (comments and order kept, the rest re-laid out by the yaml package). Throws when
 * `text` does not parse (the form only edits valid YAML).
 */
export function applyFormEdit(text: string, before: unknown, after: unknown): string {
  const inPlace = replaceScalars(text, before, after);
  if (inPlace !== null) return inPlace;
  // An empty text is an empty mapping to add to (parsing it gives no contents at all).
  const doc: Document = text.trim() === '' ? new Document({}) : parseDocument(text);
  if (doc.errors.length) throw new Error(`the YAML has errors: ${doc.errors[0].message}`);
  patch(doc, [], before, after);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The values a YAML text holds, or why it cannot be edited as a form. */
export function formValues(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const doc = parseDocument(text);
  if (doc.errors.length) return { ok: false, error: doc.errors[0].message.split('\n')[0] };
  const v = doc.toJS() as unknown;
  if (v === null || v === undefined) return { ok: true, value: {} };
  if (!isObject(v)) return { ok: false, error: 'a curriculum must be a mapping (name:, train:, …)' };
  return { ok: true, value: v };
}

/** The value at a path of plain values (undefined where any step is missing). */
export function getAt(v: unknown, path: Path): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/** Set a value at a path, making the objects on the way (a cleared value removes the key). */
export function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let cur: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next = cur[path[i]];
    if (next === null || typeof next !== 'object') {
      if (isUnset(value)) return; // nothing to remove below a missing object
      cur[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
    }
    cur = cur[path[i]] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (isUnset(value)) delete cur[last];
  else cur[last] = value;
}
