// Wall-clock time for clients in another process: they get short delays (200 ms rather than 600 s)
// and are judged on real time, with a stated tolerance (see timing.toleranceMs on each case).
import { ClientNeverIdle, type CaseClock, type SettleProbe } from './clock.js';

export interface RealClockOptions {
  /** How often the job's state is read when the client pushes no events. */
  pollMs?: number;
  /** How long nothing must happen before the client counts as quiet. */
  quietMs?: number;
}

/** A client still busy after this long at one step of a case stops the case. */
const MAX_SETTLE_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class RealClock implements CaseClock {
  private readonly start = performance.now();
  private readonly pollMs: number;
  private readonly quietMs: number;

  constructor(private readonly probe: SettleProbe, options: RealClockOptions = {}) {
    this.pollMs = options.pollMs ?? 20;
    this.quietMs = options.quietMs ?? 60;
  }

  now(): number {
    return Math.round(performance.now() - this.start);
  }

  private async look(): Promise<void> {
    await this.probe.refresh?.();
    this.probe.observe?.();
  }

  /** Quiet: no request in flight and nothing changed for quietMs; false if the deadline came first. */
  private async quiet(deadline: number): Promise<boolean> {
    await this.look();
    let last = this.probe.signature();
    let since = this.now();
    while (this.now() < deadline) {
      if (!this.probe.busy() && this.now() - since >= this.quietMs) return true;
      await sleep(this.pollMs);
      await this.look();
      const now = this.probe.signature();
      if (now !== last || this.probe.busy()) {
        last = now;
        since = this.now();
      }
    }
    return false;
  }

  async settle(): Promise<void> {
    if (!(await this.quiet(this.now() + MAX_SETTLE_MS))) throw new ClientNeverIdle(`the client was never quiet for ${this.quietMs} ms in ${MAX_SETTLE_MS / 1000} s`);
  }

  async runUntil(done: () => boolean, limitMs: number): Promise<boolean> {
    const deadline = this.now() + limitMs;
    for (;;) {
      await this.quiet(deadline);
      if (done()) return true;
      if (this.now() >= deadline) return false;
      await sleep(this.pollMs);
    }
  }

  async advance(ms: number): Promise<void> {
    const deadline = this.now() + ms;
    while (this.now() < deadline) {
      await sleep(Math.min(this.pollMs, Math.max(deadline - this.now(), 0)));
      await this.look();
    }
  }

  uninstall(): void {}
}
