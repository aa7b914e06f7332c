import { setTimeout as timersSetTimeout } from 'node:timers';
import { scheduler, setInterval as ticks, setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { ClientNeverIdle, VirtualClock } from './clock.js';

let clock: VirtualClock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

const quietProbe = { busy: () => false, signature: () => '' };

describe('virtual time', () => {
  test('timers fire in order at their virtual instants, and Date follows the clock', async () => {
    clock = VirtualClock.install(quietProbe);
    const fired: [string, number][] = [];
    setTimeout(() => fired.push(['14 days', Date.now()]), 1_209_600_000);
    setTimeout(() => fired.push(['600 s', Date.now()]), 600_000);
    const real = process.uptime();
    await clock.advance(1_209_600_000);
    expect(fired).toEqual([['600 s', 600_000], ['14 days', 1_209_600_000]]);
    expect(clock.now()).toBe(1_209_600_000);
    expect(process.uptime() - real).toBeLessThan(5); // sanity only: virtual time does not sleep
  });

  test('advance stops exactly at its end and leaves later timers pending', async () => {
    clock = VirtualClock.install(quietProbe);
    let fired = false;
    setTimeout(() => (fired = true), 1001);
    await clock.advance(1000);
    expect([clock.now(), fired]).toEqual([1000, false]);
    await clock.advance(1);
    expect(fired).toBe(true);
  });

  test('runUntil lets async work settle between timers, and reports a condition never met', async () => {
    clock = VirtualClock.install(quietProbe);
    const log: number[] = [];
    // A timer whose work takes real event-loop turns before it sets the next timer.
    const step = () =>
      setTimeout(async () => {
        await new Promise((r) => setImmediate(r));
        log.push(Date.now());
        if (log.length < 3) step();
      }, 100);
    step();
    expect(await clock.runUntil(() => log.length === 3, 10_000)).toBe(true);
    expect(log).toEqual([100, 200, 300]);
    expect(await clock.runUntil(() => false, 500)).toBe(false);
    expect(clock.now()).toBe(800);
  });

  test('a client that never goes quiet at one instant is stopped with a clear error', async () => {
    let n = 0;
    clock = VirtualClock.install({ busy: () => false, signature: () => String(n++) });
    await expect(clock.settle()).rejects.toThrow(ClientNeverIdle);
  });

  test('hops spent waiting for work off the main thread are not the client\'s turns: a long wait is not "never idle"', async () => {
    // 40,000 hops of off-thread work, more than a client may take turns at one instant, then quiet.
    let waits = 0;
    let busyAfter = 0;
    clock = VirtualClock.install({ busy: () => false, signature: () => '', offThread: () => ++waits <= 40_000 });
    const pending = setTimeout(() => (busyAfter = waits), 10);
    await clock.advance(10);
    expect(waits).toBeGreaterThan(40_000);
    // The timer fired only once the work had called back and the client had been quiet since.
    expect(busyAfter).toBeGreaterThan(40_000);
    clearTimeout(pending);
  });

  test('every other way a client can wait or read the time follows the clock: module imports, timers/promises, AbortSignal.timeout(), performance.now(), process.hrtime()', async () => {
    clock = VirtualClock.install(quietProbe, 1_000);
    const seen: [string, number][] = [];
    const at = (what: string) => () => seen.push([what, clock!.now()]);
    const hr0 = process.hrtime();
    const [perf0, big0] = [performance.now(), process.hrtime.bigint()];
    timersSetTimeout(at('node:timers setTimeout'), 100);
    void sleep(200, 'v').then((v) => seen.push([`timers/promises setTimeout -> ${String(v)}`, clock!.now()]));
    void scheduler.wait(300).then(at('scheduler.wait'));
    void (async () => {
      let n = 0;
      for await (const _ of ticks(400)) if (++n === 2) break;
      at('timers/promises setInterval, 2 ticks')();
    })();
    AbortSignal.timeout(600).addEventListener('abort', at('AbortSignal.timeout'));
    const aborted = new AbortController();
    const abortedSleep = sleep(500, undefined, { signal: aborted.signal }).catch((e: Error) => e);
    aborted.abort();
    await clock.advance(1_000);
    expect(seen).toEqual([
      ['node:timers setTimeout', 100],
      ['timers/promises setTimeout -> v', 200],
      ['scheduler.wait', 300],
      ['AbortSignal.timeout', 600],
      ['timers/promises setInterval, 2 ticks', 800],
    ]);
    expect(await abortedSleep).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect(performance.now() - perf0).toBe(1_000);
    expect(process.hrtime.bigint() - big0).toBe(1_000_000_000n);
    expect(process.hrtime(hr0)).toEqual([1, 0]);
    clock.uninstall();
    // The wall clock's again: performance.now() is near the process's own uptime, not the virtual 2,000 ms.
    expect(Math.abs(performance.now() - process.uptime() * 1000)).toBeLessThan(1_000);
    expect(await sleep(1, 'real')).toBe('real'); // a real 1 ms timer: on the stopped fake clock it would never fire
  });

  test('uninstall gives the real timers and Date back, and a later case starts with no timer of an earlier one', async () => {
    clock = VirtualClock.install(quietProbe, 5_000);
    let stale = false;
    setTimeout(() => (stale = true), 10);
    expect(Date.now()).toBe(5_000);
    expect(new Date()).toBeInstanceOf(Date);
    clock.uninstall();
    // Real time again: a 1 ms timer fires on the wall clock, and Date is the wall clock's.
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
    expect(Math.abs(Date.now() - performance.timeOrigin - performance.now())).toBeLessThan(1_000);
    clock = VirtualClock.install(quietProbe, 7_000);
    await clock.advance(100);
    expect([stale, Date.now()]).toEqual([false, 7_100]);
  });

  test('a case installed while another runs stops the other first: one clock at a time', async () => {
    const first = VirtualClock.install(quietProbe, 0);
    clock = VirtualClock.install(quietProbe, 1_000);
    first.uninstall(); // late: leaves the running case's clock alone
    expect(Date.now()).toBe(1_000);
    let fired = false;
    setTimeout(() => (fired = true), 50);
    await clock.advance(50);
    expect(fired).toBe(true);
  });

  test('util.promisify(setTimeout) and node:timers follow the clock that serves them', async () => {
    const { promisify } = await import('node:util');
    const timers = await import('node:timers');
    clock = VirtualClock.install(quietProbe);
    const order: string[] = [];
    void promisify(setTimeout)(200).then(() => order.push('promisified'));
    timers.default.setTimeout(() => order.push('node:timers'), 100);
    await clock.advance(200);
    expect(order).toEqual(['node:timers', 'promisified']);
  });
});
