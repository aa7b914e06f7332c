// Progress while the suites run: a bar on a terminal (cases done / total, failing so far, time left);
// plain periodic lines without control characters in CI or when the output is not a terminal. Both go
// to stderr: stdout holds the results (the summary), so a pipeline can keep them apart.
import cliProgress from 'cli-progress';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { fmtMs } from '../harness/format.js';

export interface Progress {
  done: number;
  /** Cases the run will judge: estimated from the selection, raised as the suites declare theirs. */
  total: number;
  /** Cases so far that did not pass: fail and error (and warn under --strict, which the judge makes fail). */
  failing: number;
  elapsedMs: number;
  /** Undefined until the first case is done. */
  remainingMs: number | undefined;
}

export type ProgressMode = 'bar' | 'lines' | 'none';

/** A bar only for a person at a terminal: CI logs keep every byte, so they get lines. */
export function progressMode(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ProgressMode {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return stream.isTTY && !ci && env.TERM !== 'dumb' ? 'bar' : 'lines';
}

/** A time left, in whole seconds, in the one duration style of the suite (fmtMs): `14 s`, `2 min 5 s`, `1 h 3 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s === 0 ? '0 s' : fmtMs(s * 1000);
}

/**
 * Cases that must finish before a time left is given. The first case carries the start of the suites
 * (loading the client, msw, vitest's workers); an estimate from it alone once read "10 h 22 min".
 */
export const ESTIMATE_AFTER_CASES = 20;

/** `812/2008 cases (40%), 3 failing, about 14 s left`: one line, printable characters only. */
export function progressLine(p: Progress): string {
  const percent = p.total ? Math.floor((100 * p.done) / p.total) : 0;
  const left = p.remainingMs === undefined ? '' : `, about ${formatDuration(p.remainingMs)} left`;
  return `progress: ${p.done}/${p.total} cases (${percent}%), ${p.failing} failing${left}`;
}

export interface ProgressDisplay {
  update(p: Progress): void;
  stop(p: Progress): void;
}

/** A line every `everyMs` (not for runs shorter than that), where it is told: stderr in the CLI, so stdout keeps only results. */
export class LineDisplay implements ProgressDisplay {
  private last: number;

  constructor(private readonly write: (line: string) => void, private readonly everyMs = 10_000, private readonly now: () => number = Date.now) {
    this.last = now();
  }

  update(p: Progress): void {
    if (this.now() - this.last < this.everyMs || p.done >= p.total) return;
    this.last = this.now();
    this.write(progressLine(p));
  }

  stop(): void {}
}

/** cli-progress on stderr; cleared at the end so the summary below it stays clean. */
export class BarDisplay implements ProgressDisplay {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(stream: NodeJS.WritableStream = process.stderr) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: '{bar} {value}/{total} cases | {failing} failing | {left}',
        hideCursor: true,
        clearOnComplete: true,
        barsize: 30,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(p: Progress): void {
    const payload = { failing: p.failing, left: p.remainingMs === undefined ? 'estimating' : `${formatDuration(p.remainingMs)} left` };
    if (!this.started) {
      this.bar.start(p.total, p.done, payload);
      this.started = true;
      return;
    }
    this.bar.setTotal(p.total);
    this.bar.update(p.done, payload);
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

export class CallbackDisplay implements ProgressDisplay {
  constructor(private readonly callback: (p: Progress) => void) {}

  update(p: Progress): void {
    this.callback(p);
  }

  stop(p: Progress): void {
    this.callback(p);
  }
}

/** A vitest reporter that counts: collected cases (the total), finished ones, and the ones not passing. */
export class ProgressReporter implements Reporter {
  private done = 0;
  private collected = 0;
  private failing = 0;
  private stopped = false;
  /** When the first case finished: the rate of the run is measured from there, past the suites' start. */
  private firstDoneAt: number | undefined;
  private readonly startedAt: number;

  constructor(private readonly display: ProgressDisplay, private readonly estimatedTotal: number, private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  progress(): Progress {
    const total = Math.max(this.estimatedTotal, this.collected, this.done);
    const elapsedMs = this.now() - this.startedAt;
    return {
      done: this.done,
      total,
      failing: this.failing,
      elapsedMs,
      remainingMs: this.remainingMs(total),
    };
  }

  private remainingMs(total: number): number | undefined {
    if (this.firstDoneAt === undefined || this.done - 1 < ESTIMATE_AFTER_CASES) return undefined;
    return Math.round(((this.now() - this.firstDoneAt) / (this.done - 1)) * (total - this.done));
  }

  start(): void {
    this.display.update(this.progress());
  }

  onTestModuleCollected(testModule: TestModule): void {
    // Skipped tests are placeholders of files the selection emptied (NOTHING_SELECTED), not cases.
    this.collected += [...testModule.children.allTests()].filter((t) => t.options.mode !== 'skip').length;
  }

  onTestCaseResult(testCase: TestCase): void {
    if (this.stopped) return;
    const verdict = testCase.meta().conformance?.verdict;
    if (verdict === undefined && testCase.options.mode === 'skip') return; // a placeholder, not a case
    this.done += 1;
    this.firstDoneAt ??= this.now();
    if (verdict === 'fail' || verdict === 'error' || (verdict === undefined && testCase.result().state === 'failed')) this.failing += 1;
    this.display.update(this.progress());
  }

  /** Idempotent: an interrupted run stops the display at the signal, and again at the end. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.display.stop(this.progress());
  }
}
