import { Logger } from '@nestjs/common';

/**
 * Runs `step` whenever woken, and at least every `pollMs` as a safety net. `step` returns true
 * while there may be more work, so a backlog drains without waiting. Wakes during a run are
 * coalesced into one more run; errors are logged and retried with backoff, never thrown.
 */
export class WakeableLoop {
  private running = false;
  private again = false;
  private stopped = true;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly step: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly log = new Logger(name),
  ) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Stops polling and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = true;
    this.current = this.run();
  }

  private async run(): Promise<void> {
    let delay = this.pollMs;
    try {
      do {
        this.again = false;
        while (!this.stopped && (await this.step())) {
          /* more work: keep going */
        }
      } while (this.again && !this.stopped);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      delay = Math.min(this.pollMs * 2 ** this.failures, 5_000);
      this.log.error({ err, retryInMs: delay }, `${this.name} failed; retrying`);
    } finally {
      this.running = false;
      if (!this.stopped) {
        this.timer = setTimeout(() => this.wake(), delay);
        this.timer.unref();
      }
    }
  }
}
