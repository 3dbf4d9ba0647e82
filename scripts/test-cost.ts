/**
 * `npm run test:cost [-- vitest args]`: runs the vitest suite (unit + integration) once and prints what it costs —
 * the slowest files and tests, and the longest time each file held its worker's event loop (tests/support/
 * loop-guard.ts fails a test over its limit; this shows how close the rest come). Writes the raw numbers to
 * test-cost.json beside the table (ignored by git).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface VitestJson {
  readonly success: boolean;
  readonly testResults: ReadonlyArray<{
    readonly name: string;
    readonly startTime: number;
    readonly endTime: number;
    readonly assertionResults: ReadonlyArray<{ readonly fullName: string; readonly duration?: number | null }>;
  }>;
}

interface StallRow {
  readonly file: string;
  readonly test: string;
  readonly maxStallMs: number;
}

const ROOT = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'cod-test-cost-'));
const jsonFile = path.join(tmp, 'vitest.json');
const stallFile = path.join(tmp, 'stalls.jsonl');
const t0 = performance.now();
const code = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${jsonFile}`,
      ...process.argv.slice(2),
    ],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, COD_LOOP_REPORT: stallFile } },
  );
  child.on('close', (c) => resolve(c ?? 1));
});
const wallS = (performance.now() - t0) / 1000;

const report = JSON.parse(readFileSync(jsonFile, 'utf8')) as VitestJson;
const stalls: StallRow[] = readFileSync(stallFile, 'utf8')
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as StallRow);
const rel = (f: string) => path.relative(ROOT, f);
const stallOf = new Map<string, number>();
for (const s of stalls) {
  const key = rel(path.resolve(ROOT, s.file));
  stallOf.set(key, Math.max(stallOf.get(key) ?? 0, s.maxStallMs));
}

const files = report.testResults
  .map((f) => ({ file: rel(f.name), seconds: (f.endTime - f.startTime) / 1000, tests: f.assertionResults.length }))
  .sort((a, b) => b.seconds - a.seconds);
const tests = report.testResults
  .flatMap((f) => f.assertionResults.map((a) => ({ file: rel(f.name), test: a.fullName, ms: a.duration ?? 0 })))
  .sort((a, b) => b.ms - a.ms);

const lines: string[] = [];
lines.push(`vitest: ${report.success ? 'passed' : 'FAILED'} (exit ${code}), ${wallS.toFixed(0)} s wall`);
lines.push('', 'slowest files (s, tests, longest event-loop stall ms):');
for (const f of files.slice(0, 15))
  lines.push(
    `  ${f.seconds.toFixed(1).padStart(7)}  ${String(f.tests).padStart(4)}  ${String(stallOf.get(f.file) ?? 0).padStart(6)}  ${f.file}`,
  );
lines.push('', 'slowest tests (s):');
for (const t of tests.slice(0, 10)) lines.push(`  ${(t.ms / 1000).toFixed(1).padStart(7)}  ${t.file} > ${t.test}`);
lines.push('', 'longest event-loop stalls (ms):');
for (const s of [...stalls].sort((a, b) => b.maxStallMs - a.maxStallMs).slice(0, 10))
  lines.push(`  ${String(s.maxStallMs).padStart(7)}  ${s.file} > ${s.test}`);
console.log(lines.join('\n'));
writeFileSync(
  path.join(ROOT, 'test-cost.json'),
  JSON.stringify({ wallS, success: report.success, files, stalls }, null, 1),
);
rmSync(tmp, { recursive: true, force: true });
process.exit(code);
