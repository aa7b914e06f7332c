// Virtual time for in-process clients: setTimeout/Date are faked, and the harness moves time forward
// one due timer at a time, letting real I/O (the transport to the BITS handlers) settle in between. A
// client therefore sees every response at the virtual instant it asked, and 14-day timeouts cost
// milliseconds.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { promisify } from 'node:util';
import { createClock } from '@sinonjs/fake-timers';

type FakeClock = ReturnType<typeof createClock>;

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
  /** Work the harness knows is in flight (requests started and not answered, handlers still answering). */
  busy(): boolean;
  /**
   * Work the client handed off the main thread (the thread pool, the resolver) and not yet called back:
   * it finishes in real time, however many hops that takes, so it is waited for on the wall clock.
   */
  offThread?(): boolean;
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
/** Nor one whose work off the main thread (an fs call, a crypto job) has not called back after this long, in real time. */
const OFF_THREAD_LIMIT_MS = 10_000;
/** Nor is a client whose timers keep falling due without time passing (a retry loop with no delay). */
const MAX_TIMERS_PER_INSTANT = 10_000;
/**
 * Nor one that polls on a short timer: virtual time runs to NoProgressTimeout (14 days) one due timer at a
 * time, so a 10 ms poll would be 100 million of them. The Windows-defaults case needs about 5,000.
 */
const MAX_TIMERS_PER_CASE = 200_000;

const realSetImmediate = globalThis.setImmediate;

export class ClientNeverIdle extends Error {
  constructor(why = `${MAX_HOPS_PER_SETTLE} event-loop turns without a quiet moment at one virtual instant`) {
    super(`the client never went idle (${why})`);
    this.name = 'ClientNeverIdle';
  }
}

/** The wall clock's performance.now, taken before a case can fake it: real-time limits are measured on it. */
const realNow = performance.now.bind(performance);

/** What timers/promises rejects with when its signal aborts. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

type Sleep = (delay?: number, value?: unknown, options?: { signal?: AbortSignal; ref?: boolean }) => Promise<unknown>;
type Ticks = (delay?: number, value?: unknown, options?: { signal?: AbortSignal; ref?: boolean }) => AsyncIterable<unknown>;

/**
 * The worker's fake timers, put in the globals once (installing them per case cost about 0.6 ms): while a
 * case is open its clock serves every way a client can wait or read the time: setTimeout, setInterval and
 * their clears (on the globals, on node:timers, and for `import { setTimeout } from 'node:timers'`), the
 * promises of timers/promises (setTimeout, setInterval, scheduler.wait), AbortSignal.timeout(), Date,
 * performance.now() and process.hrtime(); between cases the real ones serve, as after an uninstall. Each
 * case gets the clock empty: timers of an earlier case never fire in a later one. (setImmediate and
 * nextTick stay real: the harness settles on them. A client that waits on those alone is never idle.)
 */
class WorkerTime {
  readonly clock: FakeClock = createClock(0, 1_000_000);
  private live = false;

  constructor() {
    const real = { setTimeout, clearTimeout, setInterval, clearInterval };
    const fake = this.clock;
    const layer = {
      setTimeout: ((...args: Parameters<typeof setTimeout>) => (this.live ? fake.setTimeout(...(args as Parameters<FakeClock['setTimeout']>)) : real.setTimeout(...args))) as typeof setTimeout,
      clearTimeout: ((id?: Parameters<typeof clearTimeout>[0]) => (this.live ? fake.clearTimeout(id as never) : real.clearTimeout(id))) as typeof clearTimeout,
      setInterval: ((...args: Parameters<typeof setInterval>) => (this.live ? fake.setInterval(...(args as Parameters<FakeClock['setInterval']>)) : real.setInterval(...args))) as typeof setInterval,
      clearInterval: ((id?: Parameters<typeof clearInterval>[0]) => (this.live ? fake.clearInterval(id as never) : real.clearInterval(id))) as typeof clearInterval,
    };
    // util.promisify(setTimeout) resolves on the clock that serves the call, as on either alone.
    const promisified = (f: object) => (f as Record<symbol, (delay?: number, value?: unknown) => Promise<unknown>>)[promisify.custom]!;
    Object.defineProperty(layer.setTimeout, promisify.custom, {
      value: (delay?: number, value?: unknown) => (this.live ? promisified(fake.setTimeout) : promisified(real.setTimeout))(delay, value),
    });
    const timersModule = createRequire(import.meta.url)('node:timers') as Record<string, unknown>;
    for (const [name, fn] of Object.entries(layer)) {
      (globalThis as Record<string, unknown>)[name] = fn;
      timersModule[name] = fn;
    }
    globalThis.Date = this.dateLayer(Date, fake.Date);
    this.promisesLayer(createRequire(import.meta.url)('node:timers/promises') as Record<string, unknown> & { scheduler?: Record<string, unknown> });
    this.monotonicLayer();
    // ES module imports of node:timers and timers/promises read the builtins' exports as they were at
    // startup until told to look again.
    syncBuiltinESMExports();
  }

  /** A promise of timers/promises' setTimeout on the fake clock: resolves with `value`, rejects as it does on abort. */
  private readonly sleep: Sleep = (delay, value, options) => {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const abort = (): void => {
        this.clock.clearTimeout(timer);
        reject(abortError(signal!));
      };
      const timer = this.clock.setTimeout(() => {
        signal?.removeEventListener('abort', abort);
        resolve(value);
      }, delay ?? 1);
      signal?.addEventListener('abort', abort, { once: true });
    });
  };

  /** timers/promises' setTimeout, setInterval and scheduler.wait, on the fake clock while a case is open. */
  private promisesLayer(module: Record<string, unknown> & { scheduler?: Record<string, unknown> }): void {
    const real = { sleep: module.setTimeout as Sleep, ticks: module.setInterval as Ticks };
    const sleep = this.sleep;
    const ticks = async function* (delay?: number, value?: unknown, options?: { signal?: AbortSignal }): AsyncGenerator<unknown> {
      for (;;) {
        await sleep(delay, undefined, options);
        yield value;
      }
    };
    module.setTimeout = ((delay, value, options) => (this.live ? sleep(delay, value, options) : real.sleep(delay, value, options))) as Sleep;
    module.setInterval = ((delay, value, options) => (this.live ? ticks(delay, value, options) : real.ticks(delay, value, options))) as Ticks;
    const scheduler = module.scheduler;
    if (scheduler && typeof scheduler.wait === 'function') {
      const wait = (scheduler.wait as (delay: number, options?: { signal?: AbortSignal }) => Promise<void>).bind(scheduler);
      scheduler.wait = (delay: number, options?: { signal?: AbortSignal }) => (this.live ? sleep(delay, undefined, options) : wait(delay, options));
    }
  }

  /** performance.now(), process.hrtime() (and its bigint) and AbortSignal.timeout() run on the fake clock while a case is open. */
  private monotonicLayer(): void {
    const fake = this.clock;
    performance.now = () => (this.live ? fake.now : realNow());
    const realHrtime = process.hrtime;
    const hrtime = ((previous?: [number, number]): [number, number] => {
      if (!this.live) return realHrtime(previous);
      const seconds = Math.floor(fake.now / 1000);
      const nanos = (fake.now - seconds * 1000) * 1e6;
      if (!previous) return [seconds, nanos];
      const borrow = nanos < previous[1] ? 1 : 0;
      return [seconds - previous[0] - borrow, nanos - previous[1] + borrow * 1e9];
    }) as typeof process.hrtime;
    hrtime.bigint = () => (this.live ? BigInt(fake.now) * 1_000_000n : realHrtime.bigint());
    process.hrtime = hrtime;
    // AbortSignal.timeout(): a request's deadline, or a wait (`once(AbortSignal.timeout(ms), 'abort')`).
    const realTimeout = AbortSignal.timeout.bind(AbortSignal);
    AbortSignal.timeout = (ms: number): AbortSignal => {
      if (!this.live) return realTimeout(ms);
      const controller = new AbortController();
      fake.setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
      return controller.signal;
    };
  }

  /** Date as the fake clock's while a case is open, the real one otherwise (statics, `new`, calls, instanceof). */
  private dateLayer(real: DateConstructor, fake: DateConstructor): DateConstructor {
    const current = (): DateConstructor => (this.live ? fake : real);
    const layer: DateConstructor = new Proxy(real, {
      construct: (_target, args, newTarget) => Reflect.construct(current(), args, newTarget === layer ? current() : newTarget),
      apply: (_target, self, args) => Reflect.apply(current(), self, args),
      get: (_target, key) => Reflect.get(current(), key),
    });
    return layer;
  }

  /** Starts a case at `startMs` on the fake Date.now(), with no timer pending. */
  open(startMs: number): FakeClock {
    this.clock.reset();
    this.clock.setSystemTime(startMs);
    this.live = true;
    return this.clock;
  }

  /** Back to real timers; the case's pending timers are dropped at the next open. */
  close(): void {
    this.live = false;
  }
}

let workerTime: WorkerTime | undefined;
/** The case whose clock is running: one at a time per worker. */
let activeCase: VirtualClock | undefined;

export class VirtualClock implements CaseClock {
  private timersFired = 0;
  private running = true;

  private constructor(private readonly clock: FakeClock, private readonly probe: SettleProbe, private readonly startMs: number) {}

  /**
   * Puts the worker's layered timers and clocks in place (real ones serve until a case opens). Done before
   * a client module loads: a client that keeps `setTimeout`, `Date` or `performance.now` from its load
   * (as libraries that guard against fake timers do) must keep the layer, not the real one underneath.
   */
  static prepare(): WorkerTime {
    return (workerTime ??= new WorkerTime());
  }

  /**
   * Fakes the timers and Date for one case (not setImmediate/nextTick: the harness uses those to settle).
   * `startMs` is where the fake Date.now() starts: a worker's cases continue one timeline, so a client
   * that keeps state across jobs never sees time go backwards. One case at a time: a clock still running
   * is stopped first.
   */
  static install(probe: SettleProbe, startMs = 0): VirtualClock {
    const time = VirtualClock.prepare();
    activeCase?.uninstall();
    activeCase = new VirtualClock(time.open(startMs), probe, startMs);
    return activeCase;
  }

  /** Milliseconds since this case started. */
  now(): number {
    return this.clock.now - this.startMs;
  }

  /** Where the worker's timeline is: the next case's clock starts here. */
  absoluteNow(): number {
    return this.clock.now;
  }

  /** Gives the real timers back; what the case left pending never fires. */
  uninstall(): void {
    if (!this.running) return;
    this.running = false;
    if (activeCase !== this) return;
    activeCase = undefined;
    workerTime?.close();
  }

  /**
   * Lets real work finish at the current virtual instant: resolves once the client has been quiet. The hops
   * are a chain of setImmediate callbacks settling one promise, not a promise per hop: about 5% of a case.
   */
  settle(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let quiet = 0;
      let last = this.probe.signature();
      let hops = 0;
      let offThreadSince: number | undefined;
      const hop = (): void => {
        try {
          this.probe.observe?.();
          const now = this.probe.signature();
          // Hops spent waiting for work off the main thread are not the client's turns: they count in real time.
          const offThread = this.probe.offThread?.() ?? false;
          if (!offThread) offThreadSince = undefined;
          else if (realNow() - (offThreadSince ??= realNow()) > OFF_THREAD_LIMIT_MS) {
            throw new ClientNeverIdle(`work it started off the main thread (fs, crypto or DNS) had not called back after ${OFF_THREAD_LIMIT_MS / 1000} s of real time`);
          }
          if (!offThread && ++hops > MAX_HOPS_PER_SETTLE) throw new ClientNeverIdle();
          quiet = offThread || this.probe.busy() || now !== last ? 0 : quiet + 1;
          last = now;
          if (quiet < QUIET_HOPS) realSetImmediate(hop);
          else resolve();
        } catch (error) {
          reject(error);
        }
      };
      realSetImmediate(hop);
    });
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
