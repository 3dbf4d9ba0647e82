/**
 * The chat-template render worker (a thread; see bounded-render.ts for why): renders a batch of contexts with one
 * template and answers on its port, then wakes the waiting caller through the shared flag. @huggingface/jinja has no
 * limits of its own, so this thread's copy of its interpreter counts what a render does: steps (every node
 * evaluated), characters rendered (every block's output, summed) and range() lengths, and stops the render past the
 * budget with a message naming the limit. What slips past these (one filter call building a huge string) meets the
 * thread's heap cap and the caller's deadline instead.
 */
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { workerData, type MessagePort } from 'node:worker_threads';

export interface RenderLimits {
  readonly steps: number;
  readonly outputChars: number;
  readonly rangeItems: number;
}

export interface RenderRequest {
  readonly id: number;
  readonly source: string;
  readonly contexts: readonly Record<string, unknown>[];
}

export type RenderReply =
  | { readonly id: number; readonly ok: true; readonly texts: string[] }
  | { readonly id: number; readonly ok: false; readonly message: string };

interface Init {
  readonly port: MessagePort;
  readonly flag: SharedArrayBuffer;
  readonly limits: RenderLimits;
}

/** A render over budget: its message is the one the caller reports. */
class OverBudget extends Error {}

const { port, flag, limits } = workerData as Init;
const done = new Int32Array(flag);

/** What the render in progress has spent. */
const spent = { steps: 0, chars: 0 };

type Evaluate = (statement: unknown, environment: unknown) => { value?: unknown };
type EvaluateBlock = (statements: unknown, environment: unknown) => { value: string };
type Run = (program: unknown) => { value: string };
interface Patched {
  evaluate: Evaluate;
  evaluateBlock: EvaluateBlock;
  run: Run;
}
const proto = Interpreter.prototype as unknown as Patched;
const evaluate = proto.evaluate;
const evaluateBlock = proto.evaluateBlock;
const run = proto.run;
// This thread renders templates only, so its interpreter class is the one place to count.
proto.run = function (this: { global: Environment }, program) {
  this.global.setVariable('range', boundedRange); // the globals' range() allocates whatever length it is asked
  return run.call(this, program);
};
proto.evaluate = function (this: unknown, statement, environment) {
  step();
  const v = evaluate.call(this, statement, environment);
  // A value over budget is refused where it is made (a doubled string, a concatenated list), before it is used.
  const value = v?.value;
  if (typeof value === 'string') checkChars(value.length);
  else if (Array.isArray(value) && value.length > limits.rangeItems)
    throw new OverBudget(`a list of ${fmt(value.length)} items is over the limit of ${fmt(limits.rangeItems)}`);
  return v;
};
proto.evaluateBlock = function (this: unknown, statements, environment) {
  step(); // an empty loop body evaluates nothing, but each of its iterations is work
  const out = evaluateBlock.call(this, statements, environment);
  spent.chars += out.value.length;
  if (spent.chars > limits.outputChars)
    throw new OverBudget(`the render produced more than ${fmt(limits.outputChars)} characters (limit)`);
  return out;
};

function step(): void {
  if (++spent.steps > limits.steps)
    throw new OverBudget(`the render took more than ${fmt(limits.steps)} steps (limit)`);
}

function checkChars(n: number): void {
  if (n > limits.outputChars)
    throw new OverBudget(`a string of ${fmt(n)} characters is over the limit of ${fmt(limits.outputChars)}`);
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

// The string builders the interpreter's filters call with sizes a template chooses (indent(width), tojson(indent),
// replace, join): measured before they build, so one call cannot allocate past the budget. Only this thread's
// built-ins are patched; it runs nothing else.
const repeat = String.prototype.repeat;
String.prototype.repeat = function (this: string, count: number) {
  checkChars(this.length * count);
  return repeat.call(this, count);
};
const join = Array.prototype.join;
Array.prototype.join = function (this: unknown[], separator?: string) {
  let n = Math.max(0, this.length - 1) * (separator ?? ',').length;
  for (const x of this) n += typeof x === 'string' ? x.length : 0;
  checkChars(n);
  return join.call(this, separator);
};
const replaceAll = String.prototype.replaceAll as (
  this: string,
  pattern: string | RegExp,
  replacement: string | ((...a: unknown[]) => string),
) => string;
String.prototype.replaceAll = function (this: string, pattern: string | RegExp, replacement: unknown) {
  if (typeof replacement !== 'function') return replaceAll.call(this, pattern, replacement as string);
  let n = this.length;
  const fn = replacement as (...a: unknown[]) => string;
  return replaceAll.call(this, pattern, (...a: unknown[]) => {
    const r = fn(...a);
    n += r.length;
    checkChars(n);
    return r;
  });
} as typeof String.prototype.replaceAll;

/** Python's range(), refusing a length over the budget before allocating it. */
function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('range() step must not be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (!Number.isFinite(n) || n > limits.rangeItems)
    throw new OverBudget(`range() of ${fmt(n)} items is over the limit of ${fmt(limits.rangeItems)}`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return out;
}

/** range() as a template value (Environment.set converts a JS function into one). */
const boundedRange = new Environment().set('range', range);

const templates = new Map<string, Template>();

function render(req: RenderRequest): string[] {
  let t = templates.get(req.source);
  if (!t) {
    t = new Template(req.source);
    if (templates.size > 16) templates.clear();
    templates.set(req.source, t);
  }
  return req.contexts.map((c) => {
    spent.steps = 0;
    spent.chars = 0;
    return t.render(c);
  });
}

port.on('message', (req: RenderRequest) => {
  let reply: RenderReply;
  try {
    reply = { id: req.id, ok: true, texts: render(req) };
  } catch (e) {
    reply = { id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
  Atomics.store(done, 0, req.id);
  Atomics.notify(done, 0);
});
Atomics.store(done, 1, 1); // ready
Atomics.notify(done, 1);
