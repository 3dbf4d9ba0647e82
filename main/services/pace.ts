/**
 * Time left in a counted piece of work, from its own pace: the time since the first count was seen, divided by the
 * units done since, times the units left. No guess before a unit has been done after the first sighting (a model
 * loading, a first batch compiling: those would skew any estimate made earlier).
 */
export class Pace {
  private t0: number | null = null;
  private d0 = 0;
  private last = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Record a count; returns the milliseconds left at this pace, or null when it cannot be told yet. */
  observe(done: number, total: number): number | null {
    const t = this.now();
    const back = done < this.last;
    this.last = done;
    if (this.t0 === null || back) {
      this.t0 = t;
      this.d0 = done;
      return null;
    }
    if (done >= total) return 0;
    if (done === this.d0) return null;
    return Math.round(((t - this.t0) / (done - this.d0)) * (total - done));
  }
}
