/**
 * Plain-text tables of evaluation results: per position (k, mean, 95% CI, n, format errors) for one suite, and the
 * paired deltas of a comparison with the positions whose interval excludes 0 marked. Shared by `cod eval`,
 * `cod compare` and the demo's before/after report.
 */
import type { CodEffectStat } from '../api/jobs.ts';
import type { SuiteComparison } from './compare.ts';
import { positionRise } from './paired-stats.ts';
import type { SuiteResult } from './evaluate.ts';

const num = (x: number | null, digits = 3): string => (x === null ? '—' : x.toFixed(digits));
const ci = (lo: number | null, hi: number | null): string =>
  lo === null || hi === null ? '—' : `[${lo.toFixed(3)}, ${hi.toFixed(3)}]`;
const signed = (x: number | null): string => (x === null ? '—' : (x >= 0 ? '+' : '') + x.toFixed(3));

/** "rise (attempt 7 − attempt 0, paired): +0.145 [0.039, 0.251]  n 48  *" — or nothing for a one-position suite. */
function riseLine(label: string, r: SuiteResult, rise: CodEffectStat | null): string[] {
  if (!rise) return [];
  const unit = r.unit === 'attempt' ? 'attempt' : 'k';
  return [
    `${label} (${unit} ${rise.last} − ${unit} ${rise.first}, paired): ${signed(rise.mean)} ` +
      `${ci(rise.ci_low, rise.ci_high)}  n ${rise.n}${rise.excludesZero ? '  *' : ''}`,
  ];
}

function suiteHeader(r: SuiteResult): string {
  const base = r.baseline ? `, baseline ${r.baseline}` : '';
  return (
    `suite ${r.suite} (${r.kind}: ${r.domain}/${r.preset}, ${r.strategy}, S=${r.packSize}, ` +
    `seeds ${r.seeds.join(',')}, ${r.lifecycles.length} lifecycles, memory ${r.memory}${base})`
  );
}

export function formatSuiteResult(r: SuiteResult): string {
  const unit = r.unit === 'attempt' ? 'attempt' : 'k';
  const lines = [
    suiteHeader(r),
    `${unit.padStart(7)}  ${'mean'.padStart(6)}  ${'95% CI'.padEnd(16)}  ${'n'.padStart(4)}  fmt-err  hint-parse`,
  ];
  for (const p of r.positions) {
    lines.push(
      `${String(p.k).padStart(7)}  ${num(p.mean).padStart(6)}  ${ci(p.ci_low, p.ci_high).padEnd(16)}  ` +
        `${String(p.n).padStart(4)}  ${num(p.formatErrorRate, 2).padStart(7)}  ${num(p.hintParseRate, 2).padStart(10)}`,
    );
  }
  const failed = r.failedLifecycles ? `, ${r.failedLifecycles} lifecycles failed (left out)` : '';
  lines.push(...riseLine('rise', r, positionRise(r.lifecycles)));
  lines.push(`hint parse rate ${num(r.hintParseRate, 2)}, mean hint length ${num(r.meanHintChars, 0)} chars${failed}`);
  return lines.join('\n');
}

export function formatComparison(c: SuiteComparison, labels: { a: string; b: string }): string {
  const unit = c.a.unit === 'attempt' ? 'attempt' : 'k';
  const lines = [
    suiteHeader(c.a),
    `A = ${labels.a}`,
    `B = ${labels.b}`,
    `delta = B − A, paired over the same packs and seeds; * = its 95% interval excludes 0`,
    `${unit.padStart(7)}  ${'A'.padStart(6)}  ${'B'.padStart(6)}  ${'delta'.padStart(7)}  ${'95% CI'.padEnd(18)}  ${'n'.padStart(4)}`,
  ];
  c.delta.forEach((d, i) => {
    const pa = c.a.positions[i];
    const pb = c.b.positions[i];
    lines.push(
      `${String(d.k).padStart(7)}  ${num(pa?.mean ?? null).padStart(6)}  ${num(pb?.mean ?? null).padStart(6)}  ` +
        `${signed(d.mean).padStart(7)}  ${ci(d.ci_low, d.ci_high).padEnd(18)}  ${String(d.n).padStart(4)}` +
        (d.excludesZero ? '  *' : ''),
    );
  });
  lines.push(...riseLine('rise within A', c.a, positionRise(c.a.lifecycles)));
  lines.push(...riseLine('rise within B', c.b, positionRise(c.b.lifecycles)));
  const e = c.effect;
  if (e)
    lines.push(
      `CoD effect (delta at ${unit} ${e.last} − delta at ${unit} ${e.first}, paired): ${signed(e.mean)} ` +
        `${ci(e.ci_low, e.ci_high)}  n ${e.n}${e.excludesZero ? '  *' : ''}`,
    );
  return lines.join('\n');
}
