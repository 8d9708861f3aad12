/** Where a throwing listener's error goes: by default thrown again on its own, after the other listeners ran. */
export type ListenerErrorReporter = (error: unknown) => void;

const rethrowLater: ListenerErrorReporter = (error) =>
  queueMicrotask(() => {
    throw error;
  });

/**
 * The one listener list of the client and the dashboard: `on` returns the removal; a listener that throws
 * does not stop the others (its error is reported), and a listener removed or added while emitting does not
 * change who hears the value being emitted.
 */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  constructor(private readonly report: ListenerErrorReporter = rethrowLater) {}

  on(listener: (value: T) => void): () => void {
    // Wrapped, so one function added twice is two listeners, each removed by its own removal.
    const entry = (value: T) => listener(value);
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.report(error);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
