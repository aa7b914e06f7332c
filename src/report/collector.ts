// A vitest reporter that only collects: the judged record each test put on task.meta, and errors
// that belong to no case (a suite that failed to load). The CLI builds the report from it.
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { CaseRecord } from '../harness/record.js';

export class CaseCollector implements Reporter {
  /** Each judged record, with how long the case took in the runner (vitest's own measure). */
  readonly records: (CaseRecord & { durationMs?: number })[] = [];
  readonly runErrors: string[] = [];
  private done = 0;
  private frozen = false;

  constructor(private readonly onProgress?: (done: number, record: CaseRecord | undefined) => void) {}

  /**
   * Takes no more results (the run was interrupted): what ends after this point may be the work of the
   * shutdown itself (a client killed under a case, a worker stopped) and would be judged wrongly.
   */
  freeze(): void {
    this.frozen = true;
  }

  onTestCaseResult(testCase: TestCase): void {
    if (this.frozen) return;
    const record = testCase.meta().conformance;
    const duration = testCase.diagnostic()?.duration;
    if (record) this.records.push(duration === undefined ? record : { ...record, durationMs: Math.round(duration * 1000) / 1000 });
    else if (testCase.result().state === 'failed') {
      this.runErrors.push(`${testCase.fullName}: ${testCase.result().errors?.[0]?.message ?? 'failed without a record'}`);
    }
    this.done += 1;
    this.onProgress?.(this.done, record);
  }

  onTestModuleEnd(testModule: TestModule): void {
    if (this.frozen) return;
    for (const error of testModule.errors()) {
      this.runErrors.push(`${testModule.moduleId}: ${(error.message ?? String(error)).split('\n')[0]}`);
    }
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string }>): void {
    if (this.frozen) return;
    for (const error of unhandledErrors) this.runErrors.push(`unhandled: ${(error.message ?? 'unknown error').split('\n')[0]}`);
  }
}
