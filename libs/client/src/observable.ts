export type Listener<T> = (value: T) => void;

/** A value that changes over time: read it now with `get()`, or be told of changes with `subscribe()`. */
export interface ReadonlyValue<T> {
  get(): T;
  /** Calls `listener` with the current value at once and on every change; returns an unsubscribe function. */
  subscribe(listener: Listener<T>): () => void;
}

export class ObservableValue<T> implements ReadonlyValue<T> {
  private readonly listeners = new Set<Listener<T>>();

  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(value: T): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    for (const listener of [...this.listeners]) listener(value);
  }

  subscribe(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    listener(this.value);
    return () => this.listeners.delete(listener);
  }
}
