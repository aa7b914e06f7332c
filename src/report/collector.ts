// A vitest reporter that only collects: the judged record each test put on task.meta, and errors
// that belong to no case (a suite that failed to load). The CLI builds the report from it.
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { CaseRecord } from '../harness/record.js';

export class CaseCollector implements Reporter {
  /** Each judged record, with how long the case took in the runner (vitest's own measure). */
  readonly records: (CaseRecord & { durationMs?: number })[] = [];
  readonly runErrors: string[] = [];
  private done = 0;

  constructor(private readonly onProgress?: (done: number, record: CaseRecord | undefined) => void) {}

  onTestCaseResult(testCase: TestCase): void {
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
    for (const error of testModule.errors()) {
      this.runErrors.push(`${testModule.moduleId}: ${(error.message ?? String(error)).split('\n')[0]}`);
    }
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string }>): void {
    for (const error of unhandledErrors) this.runErrors.push(`unhandled: ${(error.message ?? 'unknown error').split('\n')[0]}`);
  }
}
