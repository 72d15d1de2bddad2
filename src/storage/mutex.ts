/**
 * A FIFO async mutex. One SQLite connection serves the whole process, and a transaction spans
 * awaits, so transactions take turns on it; without this two requests would interleave their
 * statements inside one BEGIN…COMMIT.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}
