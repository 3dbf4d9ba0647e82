/**
 * One sampler worker serves many weight versions, one at a time: calls for the version it holds run together (so the
 * sampler batches them), a call for another version waits until those finish, then the weights are swapped. Calls
 * are admitted in arrival order, so a stream for one version cannot starve another.
 */
export class WeightsGate {
  private active = 0;
  private switching = false;
  private readonly waiting: Array<{ version: number; admit(): void; fail(e: unknown): void }> = [];

  constructor(
    private current: number,
    /** Puts `version` into the worker. */
    private readonly swap: (version: number) => Promise<void>,
  ) {}

  async run<T>(version: number, fn: () => Promise<T>): Promise<T> {
    if (!this.switching && this.current === version && this.waiting.length === 0) this.active++;
    else
      await new Promise<void>((admit, fail) => {
        this.waiting.push({ version, admit, fail });
        this.pump();
      });
    try {
      return await fn();
    } finally {
      this.active--;
      this.pump();
    }
  }

  private pump(): void {
    if (this.active > 0 || this.switching || this.waiting.length === 0) return;
    const next = this.waiting[0].version;
    const admitAll = (): void => {
      for (let i = 0; i < this.waiting.length;) {
        if (this.waiting[i].version !== this.current) i++;
        else {
          this.active++;
          this.waiting.splice(i, 1)[0].admit();
        }
      }
    };
    if (next === this.current) return admitAll();
    this.switching = true;
    this.swap(next).then(
      () => {
        this.current = next;
        this.switching = false;
        admitAll();
      },
      (e: unknown) => {
        this.switching = false;
        // The weights could not be put in place: everyone waiting for them fails, the others go on.
        for (let i = 0; i < this.waiting.length;) {
          if (this.waiting[i].version === next) this.waiting.splice(i, 1)[0].fail(e);
          else i++;
        }
        this.pump();
      },
    );
  }
}
