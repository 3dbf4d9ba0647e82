/**
 * The paper Control's expression language: the subset of Python expressions the reference accepts
 * (agentscope-ai/Trinity-RFT trinity/common/workflows/connect_the_dots/optimalcontrol/env.py @ 139d1c43:
 * validate_action_expression / _validate_expression_node / _evaluate_expression / compile_action_expression) with
 * its error messages. Parsed by a small Python-precedence parser of our own (no eval, linear in the input): what it
 * cannot parse is reported as Python's generic "invalid syntax" (Python's own SyntaxError texts vary by version).
 * Values follow Python: floats, booleans from comparisons and `not` (True counts 1 in arithmetic), `and`/`or` return
 * an operand, comparisons chain, min/max keep the first of equals and skip NaN as Python's do. One approximation: a
 * negative number to a fractional power, complex in Python, is reported as a non-scalar result at once.
 */

export type PyValue = number | boolean;

export type Node =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'const'; readonly what: 'bool' | 'none' | 'str' | 'complex' }
  | { readonly k: 'name'; readonly id: string }
  | { readonly k: 'bin'; readonly op: string; readonly l: Node; readonly r: Node }
  | { readonly k: 'un'; readonly op: string; readonly a: Node }
  | { readonly k: 'cmp'; readonly ops: readonly string[]; readonly l: Node; readonly rs: readonly Node[] }
  | { readonly k: 'bool'; readonly op: 'and' | 'or'; readonly vs: readonly Node[] }
  | { readonly k: 'ifexp'; readonly test: Node; readonly body: Node; readonly orelse: Node }
  | { readonly k: 'call'; readonly fn: Node; readonly args: readonly Node[]; readonly keywords: number }
  | { readonly k: 'other'; readonly type: string };

export const VARIABLE_NAMES = ['x', 'v', 't', 'x_target', 'v_target', 'horizon', 'remaining_steps'] as const;

const ARITY: Readonly<Record<string, readonly [number, number | null]>> = {
  abs: [1, 1],
  min: [1, null],
  max: [1, null],
  pow: [2, 2],
  clip: [3, 3],
  ifelse: [3, 3],
  lt: [2, 2],
  le: [2, 2],
  gt: [2, 2],
  ge: [2, 2],
  eq: [2, 2],
  ne: [2, 2],
};

class PySyntaxError extends Error {}

type Tok = { readonly t: 'num' | 'name' | 'op' | 'str' | 'end'; readonly s: string };

const OPS = [
  '**',
  '//',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '@',
  '|',
  '&',
  '^',
  '~',
  '<',
  '>',
  '(',
  ')',
  '[',
  ']',
  ',',
  '.',
  ':',
  '=',
];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num =
      /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)/.exec(
        src.slice(i),
      );
    if (num && num[0] !== '') {
      out.push({ t: 'num', s: num[0] });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      out.push({ t: 'name', s: name[0] });
      i += name[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new PySyntaxError();
      out.push({ t: 'str', s: src.slice(i, end + 1) });
      i = end + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new PySyntaxError();
    out.push({ t: 'op', s: op });
    i += op.length;
  }
  out.push({ t: 'end', s: '' });
  return out;
}

function numberNode(s: string): Node {
  if (/[jJ]$/.test(s)) return { k: 'const', what: 'complex' };
  if (/_$|__|_\.|\._|_[eE]|[eE]_/.test(s)) throw new PySyntaxError();
  const clean = s.replace(/_/g, '');
  if (/^0[xXoObB]/.test(clean)) return { k: 'num', v: Number(clean.toLowerCase()) };
  // Python refuses leading zeros in a non-zero decimal integer ("01").
  if (/^0\d/.test(clean) && /^\d+$/.test(clean) && /[1-9]/.test(clean)) throw new PySyntaxError();
  return { k: 'num', v: Number(clean) };
}

const KEYWORDS = new Set(['and', 'or', 'not', 'if', 'else', 'in', 'is', 'lambda', 'for', 'None', 'True', 'False']);
const CMP = new Set(['<', '>', '==', '>=', '<=', '!=']);

/** Recursive descent over Python's expression grammar (the part an action expression can reach). */
class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i];
  }
  private eat(s: string): boolean {
    const t = this.peek();
    if ((t.t === 'op' || t.t === 'name') && t.s === s) {
      this.i++;
      return true;
    }
    return false;
  }
  private expect(s: string): void {
    if (!this.eat(s)) throw new PySyntaxError();
  }
  private nest<T>(f: () => T): T {
    // Python refuses very deep nesting too (RecursionError → "too deeply nested"): bound it.
    if (++this.depth > 200) throw new RangeError('too deep');
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  parseAll(): Node {
    const n = this.test();
    if (this.peek().t !== 'end') throw new PySyntaxError();
    return n;
  }

  private test(): Node {
    return this.nest(() => {
      if (this.peek().t === 'name' && this.peek().s === 'lambda') throw new PySyntaxError();
      const body = this.orTest();
      if (this.eat('if')) {
        const test = this.orTest();
        this.expect('else');
        return { k: 'ifexp', test, body, orelse: this.test() };
      }
      return body;
    });
  }
  private orTest(): Node {
    const vs = [this.andTest()];
    while (this.eat('or')) vs.push(this.andTest());
    return vs.length === 1 ? vs[0] : { k: 'bool', op: 'or', vs };
  }
  private andTest(): Node {
    const vs = [this.notTest()];
    while (this.eat('and')) vs.push(this.notTest());
    return vs.length === 1 ? vs[0] : { k: 'bool', op: 'and', vs };
  }
  private notTest(): Node {
    if (this.eat('not')) return this.nest(() => ({ k: 'un', op: 'not', a: this.notTest() }));
    return this.comparison();
  }
  private comparison(): Node {
    const l = this.bitOr();
    const ops: string[] = [];
    const rs: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && CMP.has(t.s)) {
        this.i++;
        ops.push(t.s);
      } else if (t.t === 'name' && t.s === 'in') {
        this.i++;
        ops.push('in');
      } else if (t.t === 'name' && t.s === 'not' && this.toks[this.i + 1]?.s === 'in') {
        this.i += 2;
        ops.push('not in');
      } else if (t.t === 'name' && t.s === 'is') {
        this.i++;
        ops.push(this.eat('not') ? 'is not' : 'is');
      } else break;
      rs.push(this.bitOr());
    }
    return ops.length === 0 ? l : { k: 'cmp', ops, l, rs };
  }
  private binary(next: () => Node, ops: readonly string[]): Node {
    let l = next();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || !ops.includes(t.s)) return l;
      this.i++;
      l = { k: 'bin', op: t.s, l, r: next() };
    }
  }
  private bitOr = (): Node => this.binary(this.bitXor, ['|']);
  private bitXor = (): Node => this.binary(this.bitAnd, ['^']);
  private bitAnd = (): Node => this.binary(this.shift, ['&']);
  private shift = (): Node => this.binary(this.arith, ['<<', '>>']);
  private arith = (): Node => this.binary(this.term, ['+', '-']);
  private term = (): Node => this.binary(this.factor, ['*', '/', '//', '%', '@']);
  private factor = (): Node => {
    const t = this.peek();
    if (t.t === 'op' && (t.s === '+' || t.s === '-' || t.s === '~')) {
      this.i++;
      return this.nest(() => ({ k: 'un', op: t.s, a: this.factor() }));
    }
    return this.power();
  };
  private power(): Node {
    const base = this.atomExpr();
    if (this.eat('**')) return this.nest(() => ({ k: 'bin', op: '**', l: base, r: this.factor() }));
    return base;
  }
  private atomExpr(): Node {
    let n = this.atom();
    for (;;) {
      if (this.eat('(')) {
        const args: Node[] = [];
        let keywords = 0;
        while (!this.eat(')')) {
          if (this.peek().t === 'name' && this.toks[this.i + 1]?.s === '=' && this.toks[this.i + 2]?.s !== '=') {
            this.i += 2;
            keywords++;
            this.test();
          } else args.push(this.test());
          if (!this.eat(',')) {
            this.expect(')');
            break;
          }
        }
        n = { k: 'call', fn: n, args, keywords };
      } else if (this.eat('[')) {
        this.test();
        this.expect(']');
        n = { k: 'other', type: 'Subscript' };
      } else if (this.eat('.')) {
        if (this.peek().t !== 'name') throw new PySyntaxError();
        this.i++;
        n = { k: 'other', type: 'Attribute' };
      } else return n;
    }
  }
  private atom(): Node {
    const t = this.peek();
    this.i++;
    if (t.t === 'num') return numberNode(t.s);
    if (t.t === 'str') return { k: 'const', what: 'str' };
    if (t.t === 'name') {
      if (t.s === 'True' || t.s === 'False') return { k: 'const', what: 'bool' };
      if (t.s === 'None') return { k: 'const', what: 'none' };
      if (KEYWORDS.has(t.s)) throw new PySyntaxError();
      return { k: 'name', id: t.s };
    }
    if (t.s === '(') {
      if (this.eat(')')) return { k: 'other', type: 'Tuple' };
      const first = this.test();
      if (this.eat(',')) {
        while (!this.eat(')')) {
          this.test();
          if (!this.eat(',')) {
            this.expect(')');
            break;
          }
        }
        return { k: 'other', type: 'Tuple' };
      }
      this.expect(')');
      return first;
    }
    if (t.s === '[') {
      while (!this.eat(']')) {
        this.test();
        if (!this.eat(',')) {
          this.expect(']');
          break;
        }
      }
      return { k: 'other', type: 'List' };
    }
    throw new PySyntaxError();
  }
}

const BINARY_OK = new Set(['+', '-', '*', '/', '**']);
const UNARY_OK = new Set(['+', '-', 'not']);

/** _validate_expression_node: throws the reference's ValueError message. */
function validate(n: Node): void {
  switch (n.k) {
    case 'num':
      if (!Number.isFinite(n.v)) throw new Error('numeric constants must be finite');
      return;
    case 'const':
      throw new Error('only numeric constants are allowed');
    case 'name':
      if (!(VARIABLE_NAMES as readonly string[]).includes(n.id)) throw new Error(`unknown variable: ${n.id}`);
      return;
    case 'bin':
      if (!BINARY_OK.has(n.op)) throw new Error('unsupported binary operator');
      validate(n.l);
      validate(n.r);
      return;
    case 'un':
      if (!UNARY_OK.has(n.op)) throw new Error('unsupported unary operator');
      validate(n.a);
      return;
    case 'call': {
      if (n.fn.k !== 'name' || !Object.hasOwn(ARITY, n.fn.id)) throw new Error('unsupported function call');
      if (n.keywords > 0) throw new Error('keyword arguments are not allowed');
      const [lo, hi] = ARITY[n.fn.id];
      if (n.args.length < lo || (hi !== null && n.args.length > hi)) {
        throw new Error(`invalid argument count for ${n.fn.id}`);
      }
      n.args.forEach(validate);
      return;
    }
    case 'ifexp':
      validate(n.test);
      validate(n.body);
      validate(n.orelse);
      return;
    case 'cmp':
      if (n.ops.some((o) => !CMP.has(o))) throw new Error('unsupported comparison operator');
      validate(n.l);
      n.rs.forEach(validate);
      return;
    case 'bool':
      n.vs.forEach(validate);
      return;
    case 'other':
      throw new Error(`unsupported expression syntax: ${n.type}`);
  }
}

export type Checked =
  | { readonly ok: true; readonly expression: string; readonly tree: Node }
  | { readonly ok: false; readonly error: string };

/** validate_action_expression: the stripped expression, or the reference's error message. */
export function checkExpression(expression: unknown): Checked {
  if (typeof expression !== 'string') return { ok: false, error: 'action_expression must be text' };
  const text = expression.trim();
  if (text === '') return { ok: false, error: 'action_expression cannot be empty' };
  let tree: Node;
  try {
    tree = new Parser(tokenize(text)).parseAll();
  } catch (e) {
    if (e instanceof RangeError) return { ok: false, error: 'action_expression is too deeply nested' };
    return { ok: false, error: 'invalid action_expression syntax: invalid syntax' };
  }
  try {
    validate(tree);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  return { ok: true, expression: text, tree };
}

/** A Python exception raised while evaluating: its class name and message. */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}

const n = (v: PyValue): number => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
const truthy = (v: PyValue): boolean => (typeof v === 'boolean' ? v : v !== 0);

function pyPow(a: PyValue, b: PyValue): number {
  const [x, y] = [n(a), n(b)];
  if (x === 0 && y < 0) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
  if (x < 0 && !Number.isInteger(y)) throw new PyError('TypeError', 'action must return an int or float scalar');
  const r = x ** y;
  if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) {
    throw new PyError('OverflowError', "(34, 'Numerical result out of range')");
  }
  return r;
}

function compare(op: string, a: PyValue, b: PyValue): boolean {
  const [x, y] = [n(a), n(b)];
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    case '==':
      return x === y;
    default:
      return x !== y;
  }
}

const FN_CMP: Readonly<Record<string, string>> = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=' };

/** Python's min / max: the first of equal items wins; a NaN first sticks, a NaN later is skipped. */
function pyExtreme(values: readonly PyValue[], better: (x: number, y: number) => boolean): PyValue {
  let best = values[0];
  for (const v of values.slice(1)) if (better(n(v), n(best))) best = v;
  return best;
}

export function evaluate(node: Node, vars: Readonly<Record<string, number>>): PyValue {
  switch (node.k) {
    case 'num':
      return node.v;
    case 'name':
      return vars[node.id];
    case 'bin': {
      const a = evaluate(node.l, vars);
      const b = evaluate(node.r, vars);
      if (node.op === '+') return n(a) + n(b);
      if (node.op === '-') return n(a) - n(b);
      if (node.op === '*') return n(a) * n(b);
      if (node.op === '/') {
        if (n(b) === 0) {
          throw new PyError(
            'ZeroDivisionError',
            typeof a === 'boolean' && typeof b === 'boolean' ? 'division by zero' : 'float division by zero',
          );
        }
        return n(a) / n(b);
      }
      return pyPow(a, b);
    }
    case 'un': {
      const a = evaluate(node.a, vars);
      if (node.op === 'not') return !truthy(a);
      return node.op === '-' ? -n(a) : n(a);
    }
    case 'call': {
      const id = (node.fn as { id: string }).id;
      if (id === 'ifelse') {
        return evaluate(truthy(evaluate(node.args[0], vars)) ? node.args[1] : node.args[2], vars);
      }
      const vals = node.args.map((a) => evaluate(a, vars));
      switch (id) {
        case 'abs':
          return typeof vals[0] === 'boolean' ? n(vals[0]) : Math.abs(vals[0]);
        case 'min':
          return pyExtreme(vals, (x, y) => x < y);
        case 'max':
          return pyExtreme(vals, (x, y) => x > y);
        case 'pow':
          return pyPow(vals[0], vals[1]);
        case 'clip':
          // _clip(value, lower, upper) = max(lower, min(value, upper))
          return pyExtreme([vals[1], pyExtreme([vals[0], vals[2]], (x, y) => x < y)], (x, y) => x > y);
        default:
          return compare(FN_CMP[id], vals[0], vals[1]);
      }
    }
    case 'ifexp':
      return evaluate(truthy(evaluate(node.test, vars)) ? node.body : node.orelse, vars);
    case 'cmp': {
      let left = evaluate(node.l, vars);
      for (let i = 0; i < node.ops.length; i++) {
        const right = evaluate(node.rs[i], vars);
        if (!compare(node.ops[i], left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'bool': {
      let result = evaluate(node.vs[0], vars);
      for (const v of node.vs.slice(1)) {
        if (node.op === 'and' ? !truthy(result) : truthy(result)) return result;
        result = evaluate(v, vars);
      }
      return result;
    }
    default:
      throw new PyError('TypeError', 'unsupported expression node');
  }
}
