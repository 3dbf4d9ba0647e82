import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateExpression, type Bindings } from '../../../main/envs/domains/control/expr-eval.ts';
import { MAX_DEPTH, parseExpression, type Expr } from '../../../main/envs/domains/control/expr-parser.ts';

const ENV: Bindings = { x: 3, v: -0.5, t: 2, x_target: 5, v_target: 0, horizon: 10, remaining_steps: 8 };

function value(src: string, env: Bindings = ENV): number {
  const p = parseExpression(src);
  if (!p.ok) throw new Error(`parse failed for ${src}: ${p.error}`);
  const r = evaluateExpression(p.expr, env);
  if (!r.ok) throw new Error(`eval failed for ${src}: ${r.error}`);
  return r.value;
}

function parseError(src: string): string {
  const p = parseExpression(src);
  expect(p.ok, `expected a parse error for ${JSON.stringify(src.slice(0, 40))}`).toBe(false);
  return p.ok ? '' : p.error;
}

function evalError(src: string): string {
  const p = parseExpression(src);
  if (!p.ok) throw new Error(`parse failed for ${src}: ${p.error}`);
  const r = evaluateExpression(p.expr, ENV);
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.error;
}

describe('control expression language: hand-computed values', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['12 / 4 / 3', 1],
    ['2 ** 3 ** 2', 512],
    ['-2 ** 2', -4],
    ['(-2) ** 2', 4],
    ['2 ** -1', 0.5],
    ['2 ** -1 * 3', 1.5],
    ['-x ** 2', -9],
    ['1 - -1', 2],
    ['2 * -3', -6],
    ['+4 - +1', 3],
    ['.5 + 1e-1', 0.6],
    ['1E2 / 4', 25],
    ['x_target - x', 2],
    ['remaining_steps + horizon * t', 28],
    ['v * 4 + v_target', -2],
  ])('%s = %d', (src, want) => {
    expect(value(src)).toBeCloseTo(want, 12);
  });

  it.each([
    ['1 < 2 < 3', 1],
    ['3 > 2 > 2', 0],
    ['1 < 3 > 2', 1],
    ['1 < 2 == 2', 1],
    ['2 != 2', 0],
    ['x >= 3', 1],
    ['not 1 == 2', 1],
    ['not x > 2 and v < 0', 0],
    ['not not 1', 1],
    ['0 or 5', 5],
    ['2 and 0', 0],
    ['2 and 7', 7],
    ['0 and 1 / 0', 0], // short-circuit: the division never runs
    ['1 or 1 / 0', 1],
    ['1 + 2 < 4 and 3 * 2 == 6', 1],
    ['True + True', 2],
    ['false or 0.25', 0.25],
  ])('%s = %d', (src, want) => {
    expect(value(src)).toBeCloseTo(want, 12);
  });

  it('conditional expressions: lowest precedence, right-associative else', () => {
    expect(value('1 if x > 0 else -1')).toBe(1);
    expect(value('1 if x < 0 else -1')).toBe(-1);
    expect(value('1 + 1 if x < 0 else 5')).toBe(5); // (1 + 1) if … else 5
    expect(value('10 if t == 0 else 20 if t == 1 else 30 if t == 2 else 40')).toBe(30);
    expect(value('(2 if v > 0 else 3) * 2')).toBe(6);
    expect(value('0.5 if x < x_target and v <= 0 else -0.5')).toBe(0.5);
  });

  it('functions', () => {
    expect(value('abs(-2.5)')).toBe(2.5);
    expect(value('min(3, 1, 2)')).toBe(1);
    expect(value('max(3, 1, 2, x)')).toBe(3);
    expect(value('pow(2, 10)')).toBe(1024);
    expect(value('clip(5, -1, 1)')).toBe(1);
    expect(value('clip(-5, -1, 1)')).toBe(-1);
    expect(value('clip(0.3, -1, 1)')).toBe(0.3);
    expect(value('clip(0.5*(x_target - x) - 0.8*v, -1, 1)')).toBe(1);
    expect(value('clip(0.1*(x_target - x) - 0.8*v, -1, 1)')).toBeCloseTo(0.6, 12);
  });
});

describe('control expression language: errors', () => {
  it('parse errors name the problem', () => {
    expect(parseError('')).toMatch(/empty/);
    expect(parseError('   ')).toMatch(/empty/);
    expect(parseError('1 +')).toMatch(/end of expression/);
    expect(parseError('(1')).toMatch(/expected '\)'/);
    expect(parseError('1)')).toMatch(/unexpected '\)'/);
    expect(parseError('foo + 1')).toMatch(/unknown name 'foo'/);
    expect(parseError('abs')).toMatch(/must be called/);
    expect(parseError('x(1)')).toMatch(/variable, not a function/);
    expect(parseError('min(1)')).toMatch(/min\(\) takes 2 to 16 arguments, got 1/);
    expect(parseError('clip(1, 2)')).toMatch(/clip\(\) takes 3 arguments/);
    expect(parseError('2 ^ 3')).toMatch(/use \*\* for powers/);
    expect(parseError('x = 1')).toMatch(/use == to compare/);
    expect(parseError('3x')).toMatch(/explicit '\*'/);
    expect(parseError('1 if x')).toMatch(/expected 'else'/);
    expect(parseError('- not 1')).toMatch(/'not' .* parenthesised/);
    expect(parseError('1 == not 1')).toMatch(/'not' .* parenthesised/);
    expect(parseError('1e')).toMatch(/exponent/);
    expect(parseError('1e999')).toMatch(/too large/);
    expect(parseError('2 × 3')).toMatch(/unexpected character "×"/);
    expect(parseError('import os')).toMatch(/unknown name 'import'/);
    expect(parseError('__import__("os")')).toMatch(/unknown name|unexpected character/);
  });

  it('adversarial sizes are refused, not crashed on', () => {
    expect(parseError('('.repeat(10_000) + '1' + ')'.repeat(10_000))).toMatch(/longer than|nested/);
    expect(parseError('('.repeat(MAX_DEPTH + 5) + '1' + ')'.repeat(MAX_DEPTH + 5))).toMatch(/nested more than/);
    expect(parseError('-'.repeat(500) + '1')).toMatch(/nested more than/);
    expect(parseError('x+'.repeat(3000) + 'x')).toMatch(/longer than/);
    expect(parseError('1+'.repeat(1000) + '1')).toMatch(/more than 1500 tokens/);
    expect(value('(((((1)))))')).toBe(1);
  });

  it('evaluation errors: division by zero, complex powers, overflow', () => {
    expect(evalError('1 / 0')).toMatch(/division by zero/);
    expect(evalError('1 / (x - 3)')).toMatch(/division by zero/);
    expect(evalError('0 ** -1')).toMatch(/negative power/);
    expect(evalError('(-8) ** (1 / 3)')).toMatch(/fractional power/);
    expect(evalError('10 ** 400')).toMatch(/not a finite/);
    expect(evalError('1e308 * 10')).toMatch(/not a finite/);
    expect(evalError('pow(0, -2)')).toMatch(/negative power/);
  });
});

/** Random ASTs printed fully parenthesised: parsing them back must give the same value. */
const leaf: fc.Arbitrary<Expr> = fc.oneof(
  fc
    .double({ min: -50, max: 50, noNaN: true })
    .map((x): Expr => ({ type: 'num', value: Math.round(x * 100) / 100 || 0 })),
  fc.constantFrom<Expr>({ type: 'var', name: 'x' }, { type: 'var', name: 'v' }, { type: 'var', name: 't' }),
);
const tree = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ type: fc.constant('neg' as const), arg: tie('e') }),
    fc.record({
      type: fc.constant('binary' as const),
      op: fc.constantFrom('+' as const, '-' as const, '*' as const),
      left: tie('e'),
      right: tie('e'),
    }),
    fc.record({ type: fc.constant('cond' as const), test: tie('e'), then: tie('e'), orelse: tie('e') }),
    fc.record({
      type: fc.constant('call' as const),
      fn: fc.constant('max' as const),
      args: fc.tuple(tie('e'), tie('e')),
    }),
  ),
})).e;

function show(e: Expr): string {
  switch (e.type) {
    case 'num':
      return `(${e.value})`;
    case 'var':
      return e.name;
    case 'neg':
      return `(-${show(e.arg)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'cond':
      return `(${show(e.then)} if ${show(e.test)} else ${show(e.orelse)})`;
    case 'call':
      return `${e.fn}(${e.args.map(show).join(', ')})`;
    default:
      throw new Error('not generated');
  }
}

describe('control expression language: properties', () => {
  it('parse(print(ast)) evaluates like ast', () => {
    fc.assert(
      fc.property(tree, (ast) => {
        const p = parseExpression(show(ast));
        expect(p.ok).toBe(true);
        if (!p.ok) return;
        const want = evaluateExpression(ast, ENV);
        const got = evaluateExpression(p.expr, ENV);
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary or adversarial text, and evaluation of what parses never throws', () => {
    const tokenSoup = fc
      .array(
        fc.constantFrom(
          'x',
          'v',
          '(',
          ')',
          '**',
          '*',
          '-',
          '+',
          '/',
          ' if ',
          ' else ',
          ' and ',
          ' not ',
          'clip(',
          ',',
          '1',
          '0',
          '1e308',
          '<',
          '==',
          'abs(',
        ),
        { maxLength: 60 },
      )
      .map((xs) => xs.join(''));
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), tokenSoup);
    fc.assert(
      fc.property(text, (src) => {
        const p = parseExpression(src);
        if (p.ok) {
          const r = evaluateExpression(p.expr, ENV);
          expect(typeof r.ok).toBe('boolean');
          if (r.ok) expect(Number.isFinite(r.value)).toBe(true);
        } else {
          expect(p.error.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
