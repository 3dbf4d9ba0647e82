/**
 * The few Python value semantics the reference's PDE text depends on, so the paper preset prints what the reference
 * prints: `repr(float)`, `format(x, '.Ng')` / `'%.Ng' % x`, `round(x, n)` (ties to even on the exact binary value),
 * `float(str)` and `str()` of the parsed XML values (str, dict, list). Hand-written: no npm package formats floats
 * the way CPython does; each function works on the exact decimal expansion of the double, as CPython's dtoa does.
 */

/** |x| = digits × 10^scale exactly (digits without leading zeros), for finite x ≠ 0. */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biased === 0) exp2 = -1074;
  else {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  if (exp2 >= 0) return { digits: mantissa << BigInt(exp2), scale: 0 };
  return { digits: mantissa * 5n ** BigInt(-exp2), scale: exp2 };
}

/** Round digits × 10^scale to a multiple of 10^unit, ties to even; returns the integer multiple. */
function roundToUnit(digits: bigint, scale: number, unit: number): bigint {
  if (unit <= scale) return digits * 10n ** BigInt(scale - unit);
  const div = 10n ** BigInt(unit - scale);
  const q = digits / div;
  const r = digits % div;
  const twice = 2n * r;
  return twice > div || (twice === div && q % 2n === 1n) ? q + 1n : q;
}

/** "123" with the decimal point `decimals` places from the right: "1.23" (decimals ≥ 0). */
function placePoint(int: bigint, decimals: number): string {
  if (decimals <= 0) return int.toString() + '0'.repeat(-decimals);
  const s = int.toString().padStart(decimals + 1, '0');
  return `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
}

function special(x: number): string | null {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return null;
}

const sign = (x: number) => (x < 0 || Object.is(x, -0) ? '-' : '');

/** Python's `round(x, ndigits)` for a float. */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const { digits, scale } = exactDecimal(x);
  const q = roundToUnit(digits, scale, -ndigits);
  const value = Number(placePoint(q, ndigits));
  return x < 0 ? -value : value;
}

/** Python's `format(x, f'.{precision}g')` (also `'%.{precision}g' % x`). */
export function pyFormatG(x: number, precision: number): string {
  const sp = special(x);
  if (sp !== null) return sp;
  const p = precision === 0 ? 1 : precision;
  if (x === 0) return `${sign(x)}0`;
  const { digits, scale } = exactDecimal(x);
  // Decimal exponent of the value rounded to p significant digits.
  let exp10 = digits.toString().length - 1 + scale;
  let q = roundToUnit(digits, scale, exp10 - p + 1);
  if (q.toString().length > p) {
    exp10 += 1;
    q = roundToUnit(digits, scale, exp10 - p + 1);
  }
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp10 >= -4 && exp10 < p) return sign(x) + strip(placePoint(q, p - 1 - exp10));
  const mant = strip(placePoint(q, p - 1));
  return `${sign(x)}${mant}e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
}

/** Python's `repr(x)` / `str(x)` for a float: the shortest round-trip digits, Python's layout. */
export function pyRepr(x: number): string {
  const sp = special(x);
  if (sp !== null) return sp;
  if (x === 0) return `${sign(x)}0.0`;
  // JavaScript's shortest round-trip digits are CPython's (both pick the closest of the shortest strings).
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(x).toExponential());
  if (!m) throw new Error(`unexpected exponential form of ${x}`);
  const digits = m[1] + (m[2] ?? '');
  const exp10 = Number(m[3]);
  if (exp10 >= -4 && exp10 < 16) {
    const decimals = digits.length - 1 - exp10;
    const body = placePoint(BigInt(digits), decimals);
    return sign(x) + (body.includes('.') ? body : `${body}.0`);
  }
  const mant = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign(x)}${mant}e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
}

const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_FLOAT = new RegExp(
  String.raw`^[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf|infinity|nan)$`,
  'i',
);
/** The characters `str.isspace()` accepts (JavaScript's \s differs: it takes U+FEFF and not U+001C-U+001F, U+0085). */
const PY_SPACE_CLASS =
  '[ \\t\\n\\r\\v\\f\\u001c-\\u001f\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_SPACE = new RegExp(`^${PY_SPACE_CLASS}+|${PY_SPACE_CLASS}+$`, 'g');
const PY_SPACE_RUN = new RegExp(`${PY_SPACE_CLASS}+`, 'g');

/** Python's `str.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(PY_SPACE, '');
}

/** Python's `re.sub(r"\\s+", " ", s)` (for str patterns \\s is str.isspace). */
export function pyCollapseSpace(s: string): string {
  return s.replace(PY_SPACE_RUN, ' ');
}

/** Unicode decimal digits as ASCII (Python's float() reads any Nd digit): each block of Nd digits counts 0-9. */
function asciiDigits(s: string): string {
  if ([...s].every((c) => c.charCodeAt(0) < 0x80)) return s;
  const chars = [...s];
  return chars
    .map((ch, i) => {
      if (!/\p{Nd}/u.test(ch) || /[0-9]/.test(ch)) return ch;
      let start = i;
      while (start > 0 && /\p{Nd}/u.test(chars[start - 1]) && !/[0-9]/.test(chars[start - 1])) start--;
      const cp = (c: string) => c.codePointAt(0) ?? 0;
      // Within a run of consecutive Nd code points the digit values cycle 0-9 from the run's start.
      let runStart = start;
      for (let j = start; j < i; j++) if (cp(chars[j + 1]) !== cp(chars[j]) + 1) runStart = j + 1;
      let zero = cp(chars[runStart]);
      while (/\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero--;
      return String((cp(ch) - zero) % 10);
    })
    .join('');
}

/** Python's `float(s)` for a str: a number, or null where Python raises ValueError. */
export function pyFloat(s: string): number | null {
  const t = asciiDigits(pyStrip(s));
  if (t.length > 400 || !PY_FLOAT.test(t)) return null;
  const lower = t.toLowerCase().replace(/_/g, '');
  if (/^[+-]?nan$/.test(lower)) return NaN;
  if (/^[+-]?inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(lower);
}

/** A value of the reference's XML action arguments (utils.py parse_xml_answer): text, a mapping or a list. */
export type XmlValue = string | { readonly [key: string]: XmlValue } | readonly XmlValue[];

/** Python's `repr(str)`. */
function reprStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

function reprValue(v: XmlValue): string {
  if (typeof v === 'string') return reprStr(v);
  if (Array.isArray(v)) return `[${v.map(reprValue).join(', ')}]`;
  const entries = Object.entries(v as Record<string, XmlValue>);
  return `{${entries.map(([k, val]) => `${reprStr(k)}: ${reprValue(val)}`).join(', ')}}`;
}

/** Python's `str(value)` of a parsed XML argument. */
export function pyStr(v: XmlValue): string {
  return typeof v === 'string' ? v : reprValue(v);
}

/** Python's `float(value)` of a parsed XML argument: null where Python raises TypeError or ValueError. */
export function pyFloatOf(v: XmlValue): number | null {
  return typeof v === 'string' ? pyFloat(v) : null;
}
