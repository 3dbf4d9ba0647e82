/**
 * Packed rows of a training pass: the width rule (a power of two that holds the longest sequence, so steps of
 * similar episodes reuse one compiled shape) and row slices (a micro-batch of whole rows keeps every sequence whole,
 * with its columns and placement rebased).
 */
import { describe, expect, it } from 'vitest';
import { packBatch, packWidth, sliceRows } from '../../../main/models/packing.ts';

describe('packWidth', () => {
  it('is the smallest power of two at least the minimum that holds the longest sequence', () => {
    expect(packWidth(1)).toBe(256);
    expect(packWidth(256)).toBe(256);
    expect(packWidth(257)).toBe(512);
    expect(packWidth(1100)).toBe(2048);
    expect(packWidth(100, 64)).toBe(128);
  });
});

describe('sliceRows', () => {
  const seqs = [40, 300, 120, 200, 90, 260].map((n, i) => Array.from({ length: n }, (_, t) => (i * 7 + t) % 50));
  const packed = packBatch(
    { sequences: seqs, lossMask: seqs.map((s) => s.map((_, t) => (t > 0 ? 1 : 0))) },
    {
      width: 512,
    },
  );

  it('keeps every sequence whole in exactly one slice, at its own tokens', () => {
    const seen: number[] = [];
    for (let r0 = 0; r0 < packed.rows; r0 += 1) {
      const part = sliceRows(packed, r0, r0 + 1);
      expect(part.rows).toBe(1);
      part.members.forEach((i, k) => {
        seen.push(i);
        const { row, offset, length } = part.placements[k];
        expect(length).toBe(seqs[i].length);
        expect(Array.from(part.ids.subarray(row * 512 + offset, row * 512 + offset + length))).toEqual(seqs[i]);
        expect(part.positions[row * 512 + offset + length - 1]).toBe(length - 1);
      });
    }
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rebases placements of later rows to the slice', () => {
    expect(packed.rows).toBeGreaterThan(1);
    const part = sliceRows(packed, 1, packed.rows);
    expect(part.rows).toBe(packed.rows - 1);
    expect(part.ids.length).toBe((packed.rows - 1) * 512);
    for (const p of part.placements) expect(p.row).toBeLessThan(part.rows);
    expect(part.members.every((i) => packed.placements[i].row >= 1)).toBe(true);
  });
});
