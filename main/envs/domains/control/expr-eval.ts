/**
 * Evaluator of parsed control expressions, with Python's value semantics: numbers and booleans, True = 1 in
 * arithmetic, `and`/`or` short-circuit and return an operand, comparisons chain. Any non-finite intermediate
 * (division by zero, overflow, a complex power) is an evaluation error, reported, never thrown to the caller.
 */
import type { Expr, VariableName } from './expr-parser.ts';

export type Value = number | boolean;
export type Bindings = Readonly<Record<VariableName, number>>;
export type EvalResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

class EvalError extends Error {}

const num = (v: Value): number => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
const truthy = (v: Value): boolean => (typeof v === 'boolean' ? v : v !== 0);

function finite(x: number, what: string): number {
  if (!Number.isFinite(x)) throw new EvalError(`${what} is not a finite number`);
  return x;
}

function power(base: number, exp: number): number {
  if (base === 0 && exp < 0) throw new EvalError('0 cannot be raised to a negative power');
  if (base < 0 && !Number.isInteger(exp)) throw new EvalError('a negative number raised to a fractional power');
  return finite(base ** exp, 'power result');
}

function evaluate(e: Expr, env: Bindings): Value {
  switch (e.type) {
    case 'num':
    case 'bool':
      return e.value;
    case 'var':
      return env[e.name];
    case 'neg':
      return -num(evaluate(e.arg, env));
    case 'pos':
      return num(evaluate(e.arg, env));
    case 'not':
      return !truthy(evaluate(e.arg, env));
    case 'and': {
      const l = evaluate(e.left, env);
      return truthy(l) ? evaluate(e.right, env) : l;
    }
    case 'or': {
      const l = evaluate(e.left, env);
      return truthy(l) ? l : evaluate(e.right, env);
    }
    case 'binary': {
      const l = num(evaluate(e.left, env));
      const r = num(evaluate(e.right, env));
      switch (e.op) {
        case '+':
          return finite(l + r, 'sum');
        case '-':
          return finite(l - r, 'difference');
        case '*':
          return finite(l * r, 'product');
        case '/':
          if (r === 0) throw new EvalError('division by zero');
          return finite(l / r, 'quotient');
        case '**':
          return power(l, r);
      }
      break;
    }
    case 'compare': {
      let left = num(evaluate(e.operands[0], env));
      for (let k = 0; k < e.ops.length; k++) {
        const right = num(evaluate(e.operands[k + 1], env));
        if (!compare(e.ops[k], left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'cond':
      return truthy(evaluate(e.test, env)) ? evaluate(e.then, env) : evaluate(e.orelse, env);
    case 'call': {
      const args = e.args.map((a) => num(evaluate(a, env)));
      switch (e.fn) {
        case 'abs':
          return Math.abs(args[0]);
        case 'min':
          return Math.min(...args);
        case 'max':
          return Math.max(...args);
        case 'pow':
          return power(args[0], args[1]);
        case 'clip':
          // numpy.clip semantics: min(max(x, lo), hi).
          return Math.min(Math.max(args[0], args[1]), args[2]);
      }
    }
  }
  throw new EvalError('unsupported expression node');
}

function compare(op: string, l: number, r: number): boolean {
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    case '==':
      return l === r;
    default:
      return l !== r;
  }
}

/** Evaluate to a finite number (booleans count as 0/1). Never throws. */
export function evaluateExpression(expr: Expr, env: Bindings): EvalResult {
  try {
    const v = num(evaluate(expr, env));
    if (!Number.isFinite(v)) return { ok: false, error: 'result is not a finite number' };
    return { ok: true, value: v };
  } catch (e) {
    if (e instanceof EvalError) return { ok: false, error: e.message };
    return { ok: false, error: 'expression could not be evaluated' };
  }
}
