/**
 * Per-request seeded uniforms (sfc32 seeded from a 128-bit FNV-1a–style hash of the seed string): the same seed
 * gives the same draws on every machine, whatever batch the request lands in.
 */
export class SeededRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string | number) {
    const s = String(seed);
    const h = [0x811c9dc5, 0x01000193 ^ 0x9e3779b9, 0x85ebca6b, 0xc2b2ae35];
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      for (let k = 0; k < 4; k++) h[k] = Math.imul(h[k] ^ (ch + k), 0x01000193 + 2 * k) >>> 0;
    }
    [this.a, this.b, this.c, this.d] = h;
    for (let i = 0; i < 16; i++) this.next32(); // mix the seed state
  }

  private next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 24 bits, exactly representable in float32. */
  uniform(): number {
    return (this.next32() >>> 8) / 16777216;
  }
}
