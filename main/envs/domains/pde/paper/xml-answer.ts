/**
 * The reference's XML action parse (agentscope-ai/Trinity-RFT @ 1d7fae4a, connect_the_dots/utils.py,
 * parse_xml_answer): the text between the one `<answer>` and the one `</answer>` must be one well-formed XML
 * document (Python's xml.etree.ElementTree.fromstring, i.e. expat with namespaces), whose root tag names the action
 * and whose content becomes the arguments (`element_value`): a leaf is its attributes (if any) or its stripped text;
 * an element with children is its attributes plus one entry per child tag (repeated tags become lists), or a list of
 * the children's values for the list tags; text beside child elements is an error.
 *
 * The XML reader is hand-written rather than taken from npm: the packages at hand (sax, @xmldom/xmldom) are lenient
 * where expat is not, and the action protocol's outcome (format error or not) hangs on exactly what expat accepts.
 * It implements XML 1.0 well-formedness for what an answer can hold: an XML declaration at the very start, elements,
 * attributes (normalised as expat does), character data, the five predefined entities and character references,
 * CDATA sections, comments, processing instructions and namespace prefixes. A DOCTYPE is refused (expat would read
 * its internal subset; no answer in the reference's protocol carries one). Never throws.
 */
import { pyStrip, type XmlValue } from './py.ts';

export type XmlAction = { readonly action: string; readonly args: XmlValue };

export type XmlAnswerParse =
  | { readonly ok: true; readonly action: XmlAction }
  | { readonly ok: false; readonly error: 'expected_exactly_one_answer_tag' | 'invalid_answer_xml' };

interface XmlElement {
  readonly tag: string;
  readonly attrib: Array<[string, string]>;
  readonly children: XmlElement[];
  text: string;
  tail: string;
}

const MAX_ANSWER_CHARS = 100_000;

/** utils.py extract_content_between_keys: each key exactly once, in order; the content is not trimmed. */
export function extractAnswer(response: string): string | null {
  const open = '<answer>';
  const close = '</answer>';
  const s = response.indexOf(open);
  const e = response.indexOf(close);
  if (s < 0 || s !== response.lastIndexOf(open) || e < 0 || e !== response.lastIndexOf(close) || s > e) return null;
  return response.slice(s + open.length, e);
}

/** parse_xml_answer on a whole response. */
export function parseXmlAnswer(response: string, listTags: ReadonlySet<string>): XmlAnswerParse {
  const content = extractAnswer(response);
  if (content === null) return { ok: false, error: 'expected_exactly_one_answer_tag' };
  return parseXmlAction(content, listTags);
}

/** The answer block's content as an action, or 'invalid_answer_xml'. */
export function parseXmlAction(content: string, listTags: ReadonlySet<string>): XmlAnswerParse {
  if (content.length > MAX_ANSWER_CHARS) return { ok: false, error: 'invalid_answer_xml' };
  const root = new XmlReader(content).document();
  if (root === null) return { ok: false, error: 'invalid_answer_xml' };
  const args = elementValue(root, listTags);
  if (args === null) return { ok: false, error: 'invalid_answer_xml' };
  return { ok: true, action: { action: root.tag, args: args === '' ? {} : args } };
}

/** utils.py element_value; null where the reference raises ValueError("unexpected XML text"). */
function elementValue(el: XmlElement, listTags: ReadonlySet<string>): XmlValue | null {
  if (el.children.length === 0) {
    if (el.attrib.length > 0) return Object.fromEntries(el.attrib);
    return pyStrip(el.text);
  }
  if (pyStrip(el.text) !== '' || el.children.some((c) => pyStrip(c.tail) !== '')) return null;
  const values: XmlValue[] = [];
  for (const child of el.children) {
    const v = elementValue(child, listTags);
    if (v === null) return null;
    values.push(v);
  }
  if (listTags.has(el.tag)) return values;
  const out = new Map<string, XmlValue>(el.attrib);
  el.children.forEach((child, i) => {
    const v = values[i];
    const current = out.get(child.tag);
    if (current === undefined) out.set(child.tag, v);
    else out.set(child.tag, Array.isArray(current) ? [...(current as XmlValue[]), v] : [current, v]);
  });
  return Object.fromEntries(out);
}

const NAME_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHARS = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
/**
 * A QName part (no colon) and a whole name (colons allowed, checked against namespaces later). XML's NameChar
 * includes the combining marks U+0300-U+036F, hence the lint exceptions.
 */
// eslint-disable-next-line no-misleading-character-class
const NAME = new RegExp(`[${NAME_START}:][${NAME_CHARS}:]*`, 'uy');
// eslint-disable-next-line no-misleading-character-class
const NCNAME = new RegExp(`^[${NAME_START}][${NAME_CHARS}]*$`, 'u');
/** Characters XML 1.0 allows anywhere. */
const BAD_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const S = /[ \t\r\n]/;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

class XmlReader {
  private pos = 0;
  private readonly s: string;

  constructor(text: string) {
    // expat normalises line ends before anything else.
    this.s = text.replace(/\r\n?/g, '\n');
  }

  document(): XmlElement | null {
    try {
      if (BAD_CHAR.test(this.s)) return null;
      if (this.s.startsWith('<?xml') && S.test(this.s.charAt(5))) this.xmlDecl();
      this.misc();
      if (this.s.charAt(this.pos) !== '<') return null;
      const root = this.element(new Map([['xml', XML_NS]]));
      this.misc();
      return this.pos === this.s.length ? root : null;
    } catch {
      return null;
    }
  }

  private fail(): never {
    throw new Error('not well-formed');
  }

  private skipS(): boolean {
    const start = this.pos;
    while (this.pos < this.s.length && S.test(this.s.charAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  private xmlDecl(): void {
    const end = this.s.indexOf('?>');
    if (end < 0) this.fail();
    const body = this.s.slice(5, end);
    const m =
      /^\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*$/.exec(
        body,
      );
    if (!m) this.fail();
    this.pos = end + 2;
  }

  /** Whitespace, comments and processing instructions around the root element. */
  private misc(): void {
    for (;;) {
      this.skipS();
      if (this.s.startsWith('<!--', this.pos)) this.comment();
      else if (this.s.startsWith('<?', this.pos)) this.pi();
      else return;
    }
  }

  private comment(): void {
    const end = this.s.indexOf('--', this.pos + 4);
    if (end < 0 || this.s.charAt(end + 2) !== '>') this.fail();
    this.pos = end + 3;
  }

  private pi(): void {
    this.pos += 2;
    const target = this.name();
    if (target.includes(':') || /^xml$/i.test(target)) this.fail();
    const end = this.s.indexOf('?>', this.pos);
    if (end < 0) this.fail();
    if (end > this.pos && !S.test(this.s.charAt(this.pos))) this.fail();
    this.pos = end + 2;
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.s);
    if (!m) this.fail();
    this.pos += m[0].length;
    return m[0];
  }

  private reference(): string {
    const end = this.s.indexOf(';', this.pos);
    if (end < 0) this.fail();
    const ref = this.s.slice(this.pos + 1, end);
    this.pos = end + 1;
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
    if (Object.hasOwn(named, ref)) return named[ref];
    const m = /^#(?:([0-9]{1,10})|x([0-9a-fA-F]{1,8}))$/.exec(ref);
    if (!m) this.fail();
    const code = m[1] !== undefined ? Number(m[1]) : parseInt(m[2], 16);
    if (code > 0x10ffff) this.fail();
    const ch = String.fromCodePoint(code);
    if (BAD_CHAR.test(ch)) this.fail();
    return ch;
  }

  private attValue(): string {
    const quote = this.s.charAt(this.pos);
    if (quote !== '"' && quote !== "'") this.fail();
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.s.charAt(this.pos);
      if (ch === '') this.fail();
      if (ch === quote) {
        this.pos++;
        return out;
      }
      if (ch === '<') this.fail();
      if (ch === '&') out += this.reference();
      else {
        // Attribute-value normalisation: each literal white-space character becomes a space.
        out += ch === '\t' || ch === '\n' ? ' ' : ch;
        this.pos++;
      }
    }
  }

  private element(scope: ReadonlyMap<string, string>): XmlElement {
    this.pos++; // '<'
    const qname = this.name();
    const raw: Array<[string, string]> = [];
    for (;;) {
      const hadSpace = this.skipS();
      const ch = this.s.charAt(this.pos);
      if (ch === '>' || ch === '/') break;
      if (!hadSpace) this.fail();
      const attr = this.name();
      this.skipS();
      if (this.s.charAt(this.pos) !== '=') this.fail();
      this.pos++;
      this.skipS();
      const value = this.attValue();
      if (raw.some(([k]) => k === attr)) this.fail();
      raw.push([attr, value]);
    }
    // Namespace declarations apply to this element and its attributes.
    const ns = new Map(scope);
    const attrib: Array<[string, string]> = [];
    for (const [k, v] of raw) {
      if (k === 'xmlns') ns.set('', v);
      else if (k.startsWith('xmlns:')) {
        const prefix = k.slice(6);
        if (!NCNAME.test(prefix) || v === '' || prefix === 'xmlns') this.fail();
        ns.set(prefix, v);
      }
    }
    const expand = (q: string, isAttr: boolean): string => {
      const parts = q.split(':');
      if (parts.length > 2 || parts.some((p) => !NCNAME.test(p))) this.fail();
      if (parts.length === 1) {
        const def = isAttr ? undefined : ns.get('');
        return def ? `{${def}}${q}` : q;
      }
      const uri = ns.get(parts[0]);
      if (uri === undefined) this.fail();
      return `{${uri}}${parts[1]}`;
    };
    for (const [k, v] of raw) {
      if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
      const key = expand(k, true);
      if (attrib.some(([a]) => a === key)) this.fail();
      attrib.push([key, v]);
    }
    const el: XmlElement = { tag: expand(qname, false), attrib, children: [], text: '', tail: '' };
    if (this.s.charAt(this.pos) === '/') {
      if (this.s.charAt(this.pos + 1) !== '>') this.fail();
      this.pos += 2;
      return el;
    }
    this.pos++; // '>'
    this.content(el, ns, qname);
    return el;
  }

  private content(el: XmlElement, ns: ReadonlyMap<string, string>, qname: string): void {
    let text = '';
    const flush = () => {
      if (el.children.length === 0) el.text += text;
      else el.children[el.children.length - 1].tail += text;
      text = '';
    };
    for (;;) {
      const ch = this.s.charAt(this.pos);
      if (ch === '') this.fail();
      if (ch === '<') {
        if (this.s.startsWith('</', this.pos)) {
          this.pos += 2;
          if (this.name() !== qname) this.fail();
          this.skipS();
          if (this.s.charAt(this.pos) !== '>') this.fail();
          this.pos++;
          flush();
          return;
        }
        if (this.s.startsWith('<!--', this.pos)) this.comment();
        else if (this.s.startsWith('<![CDATA[', this.pos)) {
          const end = this.s.indexOf(']]>', this.pos + 9);
          if (end < 0) this.fail();
          text += this.s.slice(this.pos + 9, end);
          this.pos = end + 3;
        } else if (this.s.startsWith('<?', this.pos)) this.pi();
        else if (this.s.startsWith('<!', this.pos)) this.fail();
        else {
          flush();
          el.children.push(this.element(ns));
        }
      } else if (ch === '&') text += this.reference();
      else {
        if (ch === ']' && this.s.startsWith(']]>', this.pos)) this.fail();
        text += ch;
        this.pos++;
      }
    }
  }
}
