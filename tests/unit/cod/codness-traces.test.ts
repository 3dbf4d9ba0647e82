import { describe, expect, it } from 'vitest';
import { formatCodnessReport, runCodnessCheck } from '../../../main/cod/codness-check.ts';
import { HINTS_END, HINTS_START } from '../../../main/cod/hints.ts';
import { exportTraces, type TraceLine } from '../../../main/cod/traces.ts';
import { InProcessEnvHost } from '../../../main/envs/inprocess-host.ts';
import { hiddenOffsetDomain } from '../../fixtures/domains/hidden-offset.ts';

const host = new InProcessEnvHost([hiddenOffsetDomain]);

describe('CoD-ness check through the lifecycle runner', () => {
  it('passes a domain whose pack hides a shared, discoverable structure', async () => {
    const r = await runCodnessCheck({
      domain: hiddenOffsetDomain,
      host,
      preset: 'train',
      packs: 16,
      packSize: 4,
      seed: '1',
    });
    expect(r.pass).toBe(true);
    const [oracle, empty, random] = r.rows;
    expect(oracle.memory).toBe('notes');
    expect(empty.memory).toBe('none');
    expect(random.agent).toBe('random');
    const o = oracle.metrics.positions.map((p) => p.reward.mean);
    const e = empty.metrics.positions.map((p) => p.reward.mean);
    expect(o[3]).toBeGreaterThan(o[0] + 0.3);
    expect(o[3]).toBeGreaterThan(0.9);
    expect(Math.abs(e[3] - e[0])).toBeLessThanOrEqual(0.1);
    expect(random.metrics.positions[3].reward.mean).toBeLessThan(o[3]);
    const text = formatCodnessReport(r);
    expect(text).toContain('oracle (notes)');
    expect(text).toContain('verdict: PASS');
    expect(text).toMatch(/0\.\d\d±0\.\d\d/);
  });

  it('fails a domain whose tasks share nothing', async () => {
    const r = await runCodnessCheck({
      domain: hiddenOffsetDomain,
      host,
      preset: 'train',
      options: { perTaskOffset: true },
      packs: 16,
      packSize: 4,
      seed: '1',
    });
    expect(r.pass).toBe(false);
    expect(r.checks.find((c) => c.label.startsWith('oracle above empty'))?.pass).toBe(false);
    expect(formatCodnessReport(r)).toContain('verdict: FAIL');
  });

  it('Ralph mode reports reward per attempt over instances × tasks', async () => {
    const r = await runCodnessCheck({
      domain: hiddenOffsetDomain,
      host,
      preset: 'easy',
      packs: 3,
      packSize: 3,
      seed: '2',
      ralph: true,
    });
    expect(r.strategy).toBe('ralph_full');
    expect(r.packs).toBe(9);
    expect(r.rows[0].metrics.unit).toBe('attempt');
    expect(formatCodnessReport(r)).toContain('attempt=2');
  });

  it('rejects bad arguments', async () => {
    await expect(
      runCodnessCheck({ domain: hiddenOffsetDomain, host, preset: 'nope', packs: 2, packSize: 4, seed: '1' }),
    ).rejects.toThrow(/no preset 'nope'/);
    await expect(
      runCodnessCheck({ domain: hiddenOffsetDomain, host, preset: 'train', packs: 2, packSize: 1, seed: '1' }),
    ).rejects.toThrow(/pack-size/);
  });
});

describe('oracle trace export', () => {
  const collect = async (noteNoise: number, rendering: 'chat' | 'compact' = 'compact') => {
    const lines: TraceLine[] = [];
    const summary = await exportTraces({
      domain: hiddenOffsetDomain,
      host,
      preset: 'train',
      packs: 5,
      packSize: 4,
      seed: '3',
      noteNoise,
      rendering,
      chunk: 2,
      write: (l) => {
        lines.push(JSON.parse(JSON.stringify(l)) as TraceLine);
      },
    });
    return { lines, summary };
  };

  it('writes one line per model call with chat messages, response, domain, position and kind', async () => {
    const { lines, summary } = await collect(0);
    expect(summary).toEqual({ lines: lines.length, lifecycles: 5, failedLifecycles: 0 });
    expect(lines.filter((l) => l.kind === 'update')).toHaveLength(5 * 3);
    for (const l of lines) {
      expect(l.domain).toBe('hidden-offset');
      expect(l.rendering).toBe('compact');
      expect(l.messages[0].role).toBe('system');
      expect(l.messages.at(-1)?.role).toBe('user');
      if (l.kind === 'solve') expect(l.response).toMatch(/^<answer>\d+<\/answer>$/);
      else {
        expect(l.response).toContain(HINTS_START);
        expect(l.response).toContain(HINTS_END);
      }
    }
    // Stable order: pack by pack, position by position.
    const order = lines.map((l) => `${l.packId}|${l.position}`);
    expect(order).toEqual([...order].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
    expect((await collect(0)).lines).toEqual(lines);
  });

  it('note noise makes imperfect notes', async () => {
    const clean = (await collect(0)).lines.filter((l) => l.kind === 'update').map((l) => l.response);
    const noisy = (await collect(0.9)).lines.filter((l) => l.kind === 'update').map((l) => l.response);
    expect(clean.every((t) => /offset = \d+/.test(t))).toBe(true);
    expect(noisy.filter((t) => !/offset = \d+/.test(t)).length).toBeGreaterThan(0);
  });
});
