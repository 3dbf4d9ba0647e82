/**
 * A graceful stop for long commands: the first SIGINT/SIGTERM (or a budget running out) asks the work to stop after
 * its current step, which then saves what resuming needs; a second signal quits at once.
 */
export class StopRequest {
  private readonly ctl = new AbortController();
  readonly signal: AbortSignal = this.ctl.signal;
  private readonly onSignal = (): void => {
    if (this.signal.aborted) process.exit(130);
    this.stop(this.message);
  };

  constructor(
    private readonly label: string,
    /** What the first signal says it does. */
    private readonly message = 'stopping after the current step (signal again to quit now)',
  ) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** Ask for the stop, saying why on stderr. */
  stop(why: string): void {
    if (!this.signal.aborted) this.ctl.abort();
    process.stderr.write(`${this.label}: ${why}\n`);
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
