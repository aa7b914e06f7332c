// Stops a run that cannot go on, keeping the cases that finished: a case whose client can no longer be
// used (it hung, or its process died: the case's record carries a run error), or a worker that stopped
// answering. The second needs this process: a client that never gives its thread back (a busy loop in
// resume()) blocks the worker's event loop, and with it vitest's own time limit. So a run from which no
// event arrives for longer than a case may take, plus a grace, is stopped here; the report says why.
import type { Reporter, TestCase, Vitest } from 'vitest/node';
import { cancelRun } from './interrupt.js';

/** How long past the per-case time limit a silent worker is given before the run is stopped. */
export const WATCHDOG_GRACE_MS = 15_000;

export class Watchdog implements Reporter {
  /** Why the run was stopped, for the report's run errors. */
  reason: string | undefined;
  private vitest: Vitest | undefined;
  private lastEvent = Date.now();
  private lastCase: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly stopHandlers: (() => void)[] = [];

  /** `caseLimitMs`: the per-case time limit the run gives vitest. */
  constructor(private readonly caseLimitMs: number, private readonly now: () => number = Date.now) {}

  /** At the stop, before vitest is asked to cancel: synchronous. */
  whenStopped(handler: () => void): void {
    this.stopHandlers.push(handler);
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.lastEvent = this.now();
    this.timer = setInterval(() => this.check(), 1_000);
    this.timer.unref();
  }

  /** Stops the run if the workers have been silent too long; called every second. */
  check(): void {
    const silentMs = this.now() - this.lastEvent;
    if (silentMs <= this.caseLimitMs + WATCHDOG_GRACE_MS) return;
    const where = this.lastCase ? ` (the last case to start was ${this.lastCase})` : '';
    this.stop(`the worker running the cases stopped answering for ${Math.round(silentMs / 1000)} s${where}: a client that never gives control back, such as a busy loop in a job method; the run stopped there`);
  }

  onTestModuleCollected(): void {
    this.lastEvent = this.now();
  }

  onTestCaseReady(testCase: TestCase): void {
    this.lastEvent = this.now();
    if (testCase.options.mode !== 'skip') this.lastCase = testCase.name; // not a file's placeholder (NOTHING_SELECTED)
  }

  onTestCaseResult(testCase: TestCase): void {
    this.lastEvent = this.now();
    const runError = testCase.meta().conformance?.runError;
    if (runError) this.stop(runError, false);
  }

  onTestModuleEnd(): void {
    this.lastEvent = this.now();
  }

  onTestRunEnd(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Cancels the run; `record`: the reason is the report's run error (a case's run error is in its record already). */
  stop(reason: string, record = true): void {
    if (this.reason !== undefined || this.vitest === undefined) return;
    this.reason = record ? reason : '';
    if (this.timer) clearInterval(this.timer);
    for (const handler of this.stopHandlers) handler();
    cancelRun(this.vitest);
  }
}
