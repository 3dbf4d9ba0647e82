/**
 * Parser of the control-expression language: precedence climbing over the binary operators, Python's
 * precedence and associativity (`a if c else b` < or < and < not < comparisons < + - < * / < unary - + < **),
 * comparison chains (`a < b < c`), and calls to a fixed set of functions. Names are checked here, so an
 * expression that parses can only fail at evaluation time on arithmetic (division by zero, overflow).
 */
import { ExprSyntaxError, tokenize, type Token } from './expr-lexer.ts';

export const VARIABLES = ['x', 'v', 't', 'x_target', 'v_target', 'horizon', 'remaining_steps'] as const;
export type VariableName = (typeof VARIABLES)[number];

/** Function name -> [min args, max args]. */
export const FUNCTIONS = { abs: [1, 1], min: [2, 16], max: [2, 16], pow: [2, 2], clip: [3, 3] } as const;
export type FunctionName = keyof typeof FUNCTIONS;

export type BinaryOp = '+' | '-' | '*' | '/' | '**';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type Expr =
  | { readonly type: 'num'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'var'; readonly name: VariableName }
  | { readonly type: 'neg' | 'pos' | 'not'; readonly arg: Expr }
  | { readonly type: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly type: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly type: 'compare'; readonly ops: readonly CompareOp[]; readonly operands: readonly Expr[] }
  | { readonly type: 'cond'; readonly test: Expr; readonly then: Expr; readonly orelse: Expr }
  | { readonly type: 'call'; readonly fn: FunctionName; readonly args: readonly Expr[] };

export type ParseResult = { readonly ok: true; readonly expr: Expr } | { readonly ok: false; readonly error: string };

/** Nesting deeper than this is refused (bounds recursion on adversarial input such as 10k parentheses). */
export const MAX_DEPTH = 120;

const KEYWORDS = new Set(['and', 'or', 'not', 'if', 'else']);
const TRUE_NAMES = new Set(['True', 'true']);
const FALSE_NAMES = new Set(['False', 'false']);
const COMPARE_OPS = new Set<string>(['<', '<=', '>', '>=', '==', '!=']);

/** Binding power of each binary operator (higher binds tighter). */
const PRECEDENCE: Readonly<Record<string, number>> = {
  or: 1,
  and: 2,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '==': 4,
  '!=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '**': 8,
};
const NOT_PREC = 3;
const UNARY_MINUS_OPERAND = 7;

const isVariable = (s: string): s is VariableName => (VARIABLES as readonly string[]).includes(s);
const isFunction = (s: string): s is FunctionName => Object.hasOwn(FUNCTIONS, s);

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (t.kind !== 'end') this.i++;
    return t;
  }

  private fail(message: string, tok: Token = this.peek()): never {
    throw new ExprSyntaxError(message, tok.pos);
  }

  private describe(tok: Token): string {
    return tok.kind === 'end' ? 'end of expression' : `'${tok.text}' at position ${tok.pos}`;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`expression is nested more than ${MAX_DEPTH} levels deep`);
  }

  parseAll(): Expr {
    const e = this.parseConditional();
    const t = this.peek();
    if (t.kind !== 'end') this.fail(`unexpected ${this.describe(t)}`);
    return e;
  }

  /** `then if test else orelse` has the lowest precedence and is right-associative in its else branch. */
  private parseConditional(): Expr {
    this.enter();
    const then = this.parseBinary(1);
    let out = then;
    if (this.isKeyword(this.peek(), 'if')) {
      this.next();
      const test = this.parseBinary(1);
      if (!this.isKeyword(this.peek(), 'else')) this.fail(`expected 'else' but found ${this.describe(this.peek())}`);
      this.next();
      const orelse = this.parseConditional();
      out = { type: 'cond', test, then, orelse };
    }
    this.depth--;
    return out;
  }

  private isKeyword(tok: Token, word: string): boolean {
    return tok.kind === 'name' && tok.text === word;
  }

  private binaryOpOf(tok: Token): string | undefined {
    if (tok.kind === 'op') return tok.text;
    if (tok.kind === 'name' && (tok.text === 'and' || tok.text === 'or')) return tok.text;
    return undefined;
  }

  /** Precedence climbing: parse an operand, then absorb operators binding at least `minPrec`. */
  private parseBinary(minPrec: number): Expr {
    let left = this.parseOperand(minPrec);
    for (;;) {
      const op = this.binaryOpOf(this.peek());
      if (op === undefined) return left;
      const prec = PRECEDENCE[op];
      if (prec === undefined || prec < minPrec) return left;
      this.next();
      if (COMPARE_OPS.has(op)) {
        // Python chains comparisons: a < b <= c means (a < b) and (b <= c).
        const ops: CompareOp[] = [op as CompareOp];
        const operands: Expr[] = [left, this.parseBinary(prec + 1)];
        for (;;) {
          const more = this.binaryOpOf(this.peek());
          if (more === undefined || !COMPARE_OPS.has(more)) break;
          this.next();
          ops.push(more as CompareOp);
          operands.push(this.parseBinary(prec + 1));
        }
        left = { type: 'compare', ops, operands };
      } else if (op === '**') {
        left = { type: 'binary', op, left, right: this.parseBinary(prec) }; // right-associative
      } else if (op === 'and' || op === 'or') {
        left = { type: op, left, right: this.parseBinary(prec + 1) };
      } else {
        left = { type: 'binary', op: op as BinaryOp, left, right: this.parseBinary(prec + 1) };
      }
    }
  }

  /** Prefix operators: `not` (only where a boolean operand may start), unary minus/plus, then a primary. */
  private parseOperand(minPrec: number): Expr {
    this.enter();
    const tok = this.peek();
    let out: Expr;
    if (this.isKeyword(tok, 'not')) {
      if (minPrec > NOT_PREC) this.fail(`'not' at position ${tok.pos} must be parenthesised here`);
      this.next();
      out = { type: 'not', arg: this.parseBinary(NOT_PREC) };
    } else if (tok.kind === 'op' && (tok.text === '-' || tok.text === '+')) {
      this.next();
      const arg = this.parseBinary(UNARY_MINUS_OPERAND);
      out = { type: tok.text === '-' ? 'neg' : 'pos', arg };
    } else {
      out = this.parsePrimary();
    }
    this.depth--;
    return out;
  }

  private parsePrimary(): Expr {
    const tok = this.next();
    switch (tok.kind) {
      case 'num': {
        const value = Number(tok.text);
        if (!Number.isFinite(value)) this.fail(`number '${tok.text}' is too large`, tok);
        return { type: 'num', value };
      }
      case 'lparen': {
        const inner = this.parseConditional();
        const close = this.next();
        if (close.kind !== 'rparen') this.fail(`expected ')' but found ${this.describe(close)}`, close);
        return inner;
      }
      case 'name':
        return this.parseName(tok);
      default:
        return this.fail(`unexpected ${this.describe(tok)}`, tok);
    }
  }

  private parseName(tok: Token): Expr {
    const name = tok.text;
    if (TRUE_NAMES.has(name)) return { type: 'bool', value: true };
    if (FALSE_NAMES.has(name)) return { type: 'bool', value: false };
    if (KEYWORDS.has(name)) this.fail(`unexpected keyword '${name}' at position ${tok.pos}`, tok);
    const called = this.peek().kind === 'lparen';
    if (isFunction(name)) {
      if (!called) this.fail(`function '${name}' must be called, e.g. ${name}(...)`, tok);
      return this.parseCall(name, tok);
    }
    if (isVariable(name)) {
      if (called) this.fail(`'${name}' is a variable, not a function`, tok);
      return { type: 'var', name };
    }
    const shown = name.length > 30 ? name.slice(0, 30) + '…' : name;
    return this.fail(
      `unknown name '${shown}' at position ${tok.pos} (variables: ${VARIABLES.join(', ')}; functions: ${Object.keys(FUNCTIONS).join(', ')})`,
      tok,
    );
  }

  private parseCall(fn: FunctionName, tok: Token): Expr {
    this.next(); // '('
    const args: Expr[] = [];
    if (this.peek().kind !== 'rparen') {
      for (;;) {
        args.push(this.parseConditional());
        if (this.peek().kind !== 'comma') break;
        this.next();
      }
    }
    const close = this.next();
    if (close.kind !== 'rparen')
      this.fail(`expected ',' or ')' in call to ${fn} but found ${this.describe(close)}`, close);
    const [lo, hi] = FUNCTIONS[fn];
    if (args.length < lo || args.length > hi) {
      const want = lo === hi ? `${lo}` : `${lo} to ${hi}`;
      this.fail(`${fn}() takes ${want} arguments, got ${args.length}`, tok);
    }
    return { type: 'call', fn, args };
  }
}

/** Parse an expression; never throws (every problem becomes `{ok: false, error}`). */
export function parseExpression(src: string): ParseResult {
  try {
    if (typeof src !== 'string') return { ok: false, error: 'expression must be text' };
    const tokens = tokenize(src);
    if (tokens.length === 1) return { ok: false, error: 'empty expression' };
    return { ok: true, expr: new Parser(tokens).parseAll() };
  } catch (e) {
    if (e instanceof ExprSyntaxError) return { ok: false, error: e.message };
    // A RangeError from an unforeseen recursion path is still a parse failure, never a crash.
    return { ok: false, error: 'expression could not be parsed' };
  }
}
