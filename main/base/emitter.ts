/**
 * One kind of event fanned out to its listeners: the workbench's events to its windows and sockets, a worker's lines
 * to the services, a connection's up/down to the page. Pure TS (no Node, no DOM): every layer and the renderer use it.
 */
export type Listener<T> = (value: T) => void;

export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();

  /**
   * `onListenerError`: where a throwing listener's error goes, so the others still hear the event (the workbench
   * reports it as a warning). Without it the error propagates out of emit(), as from a plain call.
   */
  constructor(private readonly onListenerError?: (error: unknown) => void) {}

  /** Adds a listener; returns the function that removes it. */
  on(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls every listener with `value`, in the order they were added (a listener added meanwhile waits). */
  emit(value: T): void {
    for (const l of [...this.listeners]) {
      if (!this.onListenerError) {
        l(value);
        continue;
      }
      try {
        l(value);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  clear(): void {
    this.listeners.clear();
  }
}
