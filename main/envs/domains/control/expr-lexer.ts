/**
 * Tokenizer of the control-expression language (a small, Python-flavoured arithmetic/logic language).
 * Hand-written and linear-time: model output is arbitrary text, so no regex backtracking and no eval.
 */

export type TokenKind = 'num' | 'name' | 'op' | 'lparen' | 'rparen' | 'comma' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The source text (for 'num' the literal, for 'name' the identifier, for 'op' the operator). */
  readonly text: string;
  /** 0-based character offset in the source, for error messages. */
  readonly pos: number;
}

export class ExprSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
    this.name = 'ExprSyntaxError';
  }
}

/** Longer inputs are refused outright: a useful controller fits easily, and this bounds all later work. */
export const MAX_EXPRESSION_CHARS = 4000;
export const MAX_TOKENS = 1500;

const TWO_CHAR_OPS = new Set(['**', '<=', '>=', '==', '!=']);
const ONE_CHAR_OPS = new Set(['+', '-', '*', '/', '<', '>']);

const isDigit = (c: string) => c >= '0' && c <= '9';
const isNameStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isNameChar = (c: string) => isNameStart(c) || isDigit(c);

/** A printable description of one offending character, safe for any code point. */
export function describeChar(c: string): string {
  return JSON.stringify(c);
}

export function tokenize(src: string): Token[] {
  if (src.length > MAX_EXPRESSION_CHARS) {
    throw new ExprSyntaxError(`expression is longer than ${MAX_EXPRESSION_CHARS} characters`, 0);
  }
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (out.length >= MAX_TOKENS) throw new ExprSyntaxError(`expression has more than ${MAX_TOKENS} tokens`, i);
    const start = i;
    if (isDigit(c) || (c === '.' && i + 1 < src.length && isDigit(src[i + 1]))) {
      while (i < src.length && isDigit(src[i])) i++;
      if (src[i] === '.') {
        i++;
        while (i < src.length && isDigit(src[i])) i++;
      }
      if (src[i] === 'e' || src[i] === 'E') {
        let j = i + 1;
        if (src[j] === '+' || src[j] === '-') j++;
        if (j < src.length && isDigit(src[j])) {
          while (j < src.length && isDigit(src[j])) j++;
          i = j;
        } else {
          throw new ExprSyntaxError(`malformed number exponent at position ${start}`, start);
        }
      }
      if (i < src.length && isNameStart(src[i])) {
        throw new ExprSyntaxError(
          `number followed by a name at position ${i} (write an explicit '*' for multiplication)`,
          i,
        );
      }
      out.push({ kind: 'num', text: src.slice(start, i), pos: start });
      continue;
    }
    if (isNameStart(c)) {
      while (i < src.length && isNameChar(src[i])) i++;
      out.push({ kind: 'name', text: src.slice(start, i), pos: start });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      out.push({ kind: 'op', text: two, pos: start });
      i += 2;
      continue;
    }
    if (ONE_CHAR_OPS.has(c)) {
      out.push({ kind: 'op', text: c, pos: start });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', text: c, pos: start });
      i++;
      continue;
    }
    if (c === '^') throw new ExprSyntaxError(`'^' at position ${i} is not an operator here: use ** for powers`, i);
    if (c === '=') throw new ExprSyntaxError(`single '=' at position ${i}: use == to compare`, i);
    const cp = src.codePointAt(i) ?? 0;
    throw new ExprSyntaxError(`unexpected character ${describeChar(String.fromCodePoint(cp))} at position ${i}`, i);
  }
  out.push({ kind: 'end', text: '', pos: src.length });
  return out;
}
