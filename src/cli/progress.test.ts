// Progress: a bar on a terminal, plain periodic lines in CI or a pipe, never a control character there.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { BarDisplay, ESTIMATE_AFTER_CASES, formatDuration, LineDisplay, progressLine, progressMode, ProgressReporter, type Progress } from './progress.js';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

describe('progress', () => {
  test('a bar only at a terminal outside CI', () => {
    expect(progressMode({ isTTY: true }, {})).toBe('bar');
    expect(progressMode({ isTTY: true }, { CI: 'true' })).toBe('lines');
    expect(progressMode({ isTTY: true }, { CI: '1' })).toBe('lines');
    expect(progressMode({ isTTY: true }, { CI: 'false' })).toBe('bar');
    expect(progressMode({ isTTY: true }, { TERM: 'dumb' })).toBe('lines');
    expect(progressMode({ isTTY: false }, {})).toBe('lines');
    expect(progressMode({}, {})).toBe('lines');
  });

  test('lines: at most one per interval, printable characters only, with cases, failures and time left', () => {
    let now = 0;
    const lines: string[] = [];
    const display = new LineDisplay((l) => lines.push(l), 10_000, () => now);
    const p = (done: number, failing = 0): Progress => ({ done, total: 2008, failing, elapsedMs: now, remainingMs: done ? Math.round((now / done) * (2008 - done)) : undefined });
    display.update(p(1));
    now = 9_999;
    display.update(p(900));
    now = 10_000;
    display.update(p(1000, 3));
    now = 15_000;
    display.update(p(1500, 3));
    now = 20_000;
    display.update(p(2008, 3)); // the summary says the end
    expect(lines).toEqual(['progress: 1000/2008 cases (49%), 3 failing, about 10 s left']);
    for (const line of lines) expect(line).not.toMatch(CONTROL);
  });

  test('the reporter counts cases, not the placeholders of emptied files; no time left until enough cases finished', () => {
    let now = 0;
    const seen: Progress[] = [];
    const reporter = new ProgressReporter({ update: (p) => seen.push(p), stop: () => {} }, 4, () => now);
    const testCase = (verdict: string | undefined, mode = 'run') => ({ meta: () => (verdict ? { conformance: { verdict } } : {}), options: { mode }, result: () => ({ state: 'passed' }) }) as never;
    reporter.onTestModuleCollected({ children: { allTests: () => [{ options: { mode: 'run' } }, { options: { mode: 'run' } }, { options: { mode: 'skip' } }][Symbol.iterator]() } } as never);
    now = 1000;
    reporter.onTestCaseResult(testCase('pass'));
    reporter.onTestCaseResult(testCase(undefined, 'skip'));
    now = 2000;
    reporter.onTestCaseResult(testCase('fail'));
    expect(seen.at(-1)).toEqual({ done: 2, total: 4, failing: 1, elapsedMs: 2000, remainingMs: undefined });
  });

  test('the time left is measured from the first finished case, not from the suites\' slow start', () => {
    let now = 0;
    const seen: Progress[] = [];
    const reporter = new ProgressReporter({ update: (p) => seen.push(p), stop: () => {} }, 2008, () => now);
    const testCase = { meta: () => ({ conformance: { verdict: 'pass' } }), options: { mode: 'run' }, result: () => ({ state: 'passed' }) } as never;
    now = 30_000; // loading the suites took 30 s
    reporter.onTestCaseResult(testCase);
    for (let i = 1; i < ESTIMATE_AFTER_CASES; i++) {
      now += 10;
      reporter.onTestCaseResult(testCase);
    }
    expect(seen.at(-1)!.remainingMs).toBeUndefined(); // too few cases to say
    now += 10;
    reporter.onTestCaseResult(testCase);
    const p = seen.at(-1)!;
    expect(p.done).toBe(ESTIMATE_AFTER_CASES + 1);
    expect(p.remainingMs).toBe(10 * (2008 - p.done)); // 10 ms a case: about 20 s, not the 48 min the start would suggest
    expect(progressLine(p)).toBe(`progress: 21/2008 cases (1%), 0 failing, about 20 s left`);
  });

  test('the bar draws on a terminal stream and clears itself at the end', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let written = '';
    stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const bar = new BarDisplay(stream);
    bar.update({ done: 0, total: 10, failing: 0, elapsedMs: 0, remainingMs: undefined });
    bar.update({ done: 5, total: 10, failing: 1, elapsedMs: 1000, remainingMs: 1000 });
    bar.stop();
    expect(written).toContain('0/10 cases | 0 failing | estimating');
  });

  test('durations read as a person reads them', () => {
    expect(formatDuration(400)).toBe('0 s');
    expect(formatDuration(59_400)).toBe('59 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(2 * 3_600_000 + 60_000)).toBe('2 h 1 min');
    expect(progressLine({ done: 0, total: 0, failing: 0, elapsedMs: 0, remainingMs: undefined })).toBe('progress: 0/0 cases (0%), 0 failing');
  });
});
