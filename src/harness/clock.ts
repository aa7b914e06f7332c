// Virtual time for in-process clients: setTimeout/Date are faked, and the harness moves time forward
// one due timer at a time, letting real I/O (msw's fetch interception) settle in between. A client
// therefore sees every response at the virtual instant it asked, and 14-day timeouts cost milliseconds.
import { withGlobal } from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<ReturnType<typeof withGlobal>['install']>;

/** What a case runs on: virtual time in-process, the wall clock for a client in another process. */
export interface CaseClock {
  /** Milliseconds since the case started. */
  now(): number;
  /** Returns once the client has been quiet. */
  settle(): Promise<void>;
  /** Runs time forward until `done()` holds at a quiet moment (true) or `limitMs` have passed (false). */
  runUntil(done: () => boolean, limitMs: number): Promise<boolean>;
  /** Runs time forward by `ms`, watching the client. */
  advance(ms: number): Promise<void>;
  /** Gives the time back (virtual: restores the real timers). */
  uninstall(): void;
}

export interface SettleProbe {
  /** Work the harness knows is in flight (fetches started and not answered). */
  busy(): boolean;
  /** Anything that changes when the client acts (ledger length, job state): quiet means unchanged. */
  signature(): string;
  /** Called on every real hop, so short-lived states are seen. */
  observe?(): void;
  /** Brings the job's mirrored state up to date (a client in another process); awaited before observe. */
  refresh?(): Promise<void>;
}

/** Real event-loop hops with nothing happening before the client counts as idle. */
const QUIET_HOPS = 12;
/**
 * A client that is never idle (a busy loop, endless requests at one instant) stops the case. The server
 * answers no request in the turn it arrives, so this is also about as many requests: three times what a
 * client sending 10,000-byte scenario files in 1-byte fragments needs.
 */
const MAX_HOPS_PER_SETTLE = 30_000;
/** Nor is a client whose timers keep falling due without time passing (a retry loop with no delay). */
const MAX_TIMERS_PER_INSTANT = 10_000;
/**
 * Nor one that polls on a short timer: virtual time runs to NoProgressTimeout (14 days) one due timer at a
 * time, so a 10 ms poll would be 100 million of them. The Windows-defaults case needs about 5,000.
 */
const MAX_TIMERS_PER_CASE = 200_000;

const realSetImmediate = globalThis.setImmediate;
const hop = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

export class ClientNeverIdle extends Error {
  constructor(why = `${MAX_HOPS_PER_SETTLE} event-loop turns without a quiet moment at one virtual instant`) {
    super(`the client never went idle (${why})`);
    this.name = 'ClientNeverIdle';
  }
}

export class VirtualClock implements CaseClock {
  private timersFired = 0;

  private constructor(private readonly clock: InstalledClock, private readonly probe: SettleProbe, private readonly startMs: number) {}

  /**
   * Fakes the globals timers and Date (not setImmediate/nextTick: the harness uses those to settle).
   * `startMs` is where the fake Date.now() starts: a worker's cases continue one timeline, so a client
   * that keeps state across jobs never sees time go backwards.
   */
  static install(probe: SettleProbe, startMs = 0): VirtualClock {
    const clock = withGlobal(globalThis).install({
      now: startMs,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
      loopLimit: 1_000_000,
    });
    return new VirtualClock(clock, probe, startMs);
  }

  /** Milliseconds since this case started. */
  now(): number {
    return this.clock.now - this.startMs;
  }

  /** Where the worker's timeline is: the next case's clock starts here. */
  absoluteNow(): number {
    return this.clock.now;
  }

  uninstall(): void {
    this.clock.uninstall();
  }

  /** Lets real work finish at the current virtual instant: returns once the client has been quiet. */
  async settle(): Promise<void> {
    let quiet = 0;
    let last = this.probe.signature();
    for (let hops = 0; quiet < QUIET_HOPS; hops++) {
      if (hops > MAX_HOPS_PER_SETTLE) throw new ClientNeverIdle();
      await hop();
      this.probe.observe?.();
      const now = this.probe.signature();
      quiet = this.probe.busy() || now !== last ? 0 : quiet + 1;
      last = now;
    }
  }

  /**
   * Runs virtual time forward until `done()` holds at a quiet moment, or `limitMs` have passed.
   * A sentinel timer marks the limit, so time never jumps past a timer the client set.
   */
  async runUntil(done: () => boolean, limitMs: number): Promise<boolean> {
    let limitReached = false;
    const sentinel = this.clock.setTimeout(() => {
      limitReached = true;
    }, limitMs);
    try {
      await this.settle();
      let instant = this.clock.now;
      let firedAtInstant = 0;
      while (!done()) {
        if (limitReached) return false;
        await this.clock.nextAsync();
        if (++this.timersFired > MAX_TIMERS_PER_CASE) {
          throw new ClientNeverIdle(`${MAX_TIMERS_PER_CASE} timers fired in one case, the last at +${this.now()} ms: a client polling on a short timer cannot be run through days of virtual time`);
        }
        // Timers that keep falling due at one instant (a retry with no delay) would hold time still forever.
        firedAtInstant = this.clock.now === instant ? firedAtInstant + 1 : 0;
        instant = this.clock.now;
        if (firedAtInstant > MAX_TIMERS_PER_INSTANT) throw new ClientNeverIdle(`${MAX_TIMERS_PER_INSTANT} timers fired at one virtual instant`);
        await this.settle();
      }
      return true;
    } finally {
      this.clock.clearTimeout(sentinel);
    }
  }

  /** Runs virtual time forward by exactly `ms`, firing the client's timers in order. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }
}
