// Ctrl-C (SIGINT) or SIGTERM during a run: the cases that finished are kept and written as a report
// marked interrupted, instead of being thrown away. The first signal stops the run: the cases still
// running are left out (their client may be killed under them), vitest is asked to cancel, and the run
// goes on to write its report. A second signal stops at once.
//
// vitest's own logger, created inside startVitest, exits the process 1 ms after SIGINT or SIGTERM (a
// terminal clean-up); the run must outlive the signal, so this reporter takes those listeners away as
// soon as vitest exists (onInit); vitest.close() still restores the cursor.
import type { Reporter, Vitest } from 'vitest/node';
import { signalExitCode, type InterruptSignal } from '../report/verdict.js';

const SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM'];
/** How long vitest may take to cancel gracefully before it is made to stop. */
const CANCEL_GRACE_MS = 3_000;

/**
 * Asks vitest to stop the run; a case that does not end by itself (a worker whose event loop a client
 * blocks) must not hold the report back, so a second cancel, which vitest forces, follows.
 */
export function cancelRun(vitest: Vitest): void {
  const cancel = (): void => void vitest.cancelCurrentRun('keyboard-input').catch(() => undefined);
  cancel();
  setTimeout(cancel, CANCEL_GRACE_MS).unref();
}

export class RunInterruption implements Reporter {
  signal: InterruptSignal | undefined;
  at: Date | undefined;
  private vitest: Vitest | undefined;
  private readonly interruptHandlers: ((signal: InterruptSignal) => void)[] = [];
  private readonly abortHandlers: (() => void)[] = [];
  private readonly others = new Map<InterruptSignal, Set<(...args: unknown[]) => void>>();
  private readonly listener = (signal: InterruptSignal): void => this.onSignal(signal);

  /** At the first signal: stop taking results, kill what must not outlive the run, say so. Synchronous. */
  whenInterrupted(handler: (signal: InterruptSignal) => void): void {
    this.interruptHandlers.push(handler);
  }

  /** At a second signal, just before the process exits: synchronous clean-up only. */
  whenAborted(handler: () => void): void {
    this.abortHandlers.push(handler);
  }

  /** Starts listening; the listeners already there (not vitest's, which come later) are left alone. */
  listen(): this {
    for (const signal of SIGNALS) {
      this.others.set(signal, new Set(process.listeners(signal) as ((...args: unknown[]) => void)[]));
      process.on(signal, this.listener);
    }
    return this;
  }

  stop(): void {
    for (const signal of SIGNALS) process.removeListener(signal, this.listener);
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    for (const signal of SIGNALS) {
      for (const l of process.listeners(signal) as ((...args: unknown[]) => void)[]) {
        if (l !== this.listener && !this.others.get(signal)?.has(l)) process.removeListener(signal, l);
      }
    }
    if (this.signal) this.cancel(vitest); // the signal came while vitest was starting
  }

  private cancel(vitest: Vitest): void {
    cancelRun(vitest);
  }

  private onSignal(signal: InterruptSignal): void {
    if (this.signal) {
      for (const handler of this.abortHandlers) handler();
      process.exit(signalExitCode(this.signal));
    }
    this.signal = signal;
    this.at = new Date();
    for (const handler of this.interruptHandlers) handler(signal);
    // Not started: runCases sees the signal and starts nothing; starting: onInit cancels.
    if (this.vitest) this.cancel(this.vitest);
  }
}
