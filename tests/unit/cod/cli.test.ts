import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { envsCheck } from '../../../main/cli/commands/envs-check.ts';
import { envsTraces } from '../../../main/cli/commands/envs-traces.ts';
import { main } from '../../../main/cli/index.ts';
import { listDomains } from '../../../main/envs/registry.ts';
import { tempDir } from '../../support/temp.ts';

const hasFrozenLake = listDomains().some((d) => d.id === 'frozenlake');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('cod envs check / traces', () => {
  it('bad input is one clear error line and exit status 2', async () => {
    const { err } = capture();
    expect(await main(['envs', 'check', 'no-such-domain'])).toBe(2);
    expect(err.at(-1)).toMatch(/^cod: error: unknown domain 'no-such-domain'/);
    expect(await main(['envs', 'check'])).toBe(2);
    expect(err.at(-1)).toMatch(/exactly one DOMAIN/);
    expect(await main(['envs', 'traces', 'x', '--packs', '2'])).toBe(2);
    expect(err.at(-1)).toMatch(/missing required option --out|unknown domain/);
    expect(await main(['envs', 'check', 'x', '--bogus'])).toBe(2);
    expect(envsCheck.usage).toContain('--ralph');
    expect(envsTraces.usage).toContain('--note-noise');
  });

  it.runIf(hasFrozenLake)('checks frozenlake through the runner and prints the table or JSON', async () => {
    const { out } = capture();
    const code = await main(['envs', 'check', 'frozenlake', '--packs', '12', '--pack-size', '4', '--json']);
    const report = JSON.parse(out.join('\n')) as {
      pass: boolean;
      rows: { name: string; metrics: { positions: { reward: { mean: number; n: number } }[] } }[];
    };
    expect(code).toBe(report.pass ? 0 : 1);
    expect(report.rows.map((r) => r.name)).toEqual(['oracle', 'oracle_no_memory', 'random']);
    expect(report.rows[0].metrics.positions).toHaveLength(4);
    expect(report.rows[0].metrics.positions[0].reward.n).toBe(12);
    const o = report.rows[0].metrics.positions.map((p) => p.reward.mean);
    expect(o[3]).toBeGreaterThan(o[0]);
  });

  it.runIf(hasFrozenLake)('exports frozenlake oracle traces as JSONL', async () => {
    const dir = tempDir('traces');
    try {
      const file = join(dir, 'fl.jsonl');
      const { out } = capture();
      expect(await main(['envs', 'traces', 'frozenlake', '--packs', '3', '--note-noise', '0.1', '--out', file])).toBe(
        0,
      );
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length).toBeGreaterThan(3 * 4);
      expect(lines.filter((l) => l.kind === 'update')).toHaveLength(3 * 3);
      expect(lines[0]).toMatchObject({ domain: 'frozenlake', rendering: 'compact', position: 0, kind: 'solve' });
      expect(out.join('\n')).toContain(`wrote ${lines.length} model calls`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
