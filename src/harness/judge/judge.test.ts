// The judge against a client that shares nothing with src/client (fixtures/clients/probes/plain-client.ts):
// each fault switched on is caught by the rule it breaks, and each premise the client could not meet
// is reported as not judged, never as a failure.
import { describe, expect, test } from 'vitest';
import { plainClient, type PlainFaults } from '../../../fixtures/clients/plain-client.js';
import { runCase } from '../run-case.js';
import { judge, type JudgeOptions, type Judgement } from './index.js';
import { caseOf } from './test-support.js';

async function judged(faults: PlainFaults, id: string, options?: JudgeOptions): Promise<Judgement> {
  const c = caseOf(id);
  return judge(c, await runCase(c, plainClient(faults)), options);
}
const rulesOf = (j: Judgement): string[] => [...new Set(j.failures.map((f) => f.rule))];

describe('403: never posted again, however often resumed (NOREPOST-EVERY-RESUME)', () => {
  const ids = ['app/403/mirror/upload', 'app/403/alt-header/upload-reply'];

  test.for(ids)('%s: a correct client passes', async (id) => {
    expect(await judged({}, id)).toMatchObject({ verdict: 'pass', failures: [] });
  });

  test.for([2, 3].flatMap((n) => ids.map((id) => [n, id] as const)))('re-posting on resume() number %i after the 403 fails APP-403-NOREPOST (%s)', async ([n, id]) => {
    const j = await judged({ repostAfter403OnResume: [n] }, id);
    expect(j.verdict).toBe('fail');
    // The re-post then succeeds, so the job also claims TRANSFERRED: a second breach (NOREPOST-SCOPE).
    expect(rulesOf(j)).toEqual(['APP-403-NOREPOST', 'NOREPOST-EVERY-RESUME', 'NOREPOST-SCOPE']);
    expect(j.failures.find((f) => f.rule === 'APP-403-NOREPOST')!.message).toContain(`after resume() number ${n}`);
    expect(j.failures.find((f) => f.rule === 'NOREPOST-EVERY-RESUME')!.message).toMatch(/^interpretation: /);
  });

  test('with the interpretation switched off, only the first resume is judged, and the case says so', async () => {
    const j = await judged({ repostAfter403OnResume: [3] }, ids[0]!, { interpretationsOff: ['NOREPOST-EVERY-RESUME'] });
    expect(rulesOf(j)).not.toContain('APP-403-NOREPOST');
    const first = await judged({ repostAfter403OnResume: [1] }, ids[0]!, { interpretationsOff: ['NOREPOST-EVERY-RESUME'] });
    expect(rulesOf(first)).toContain('APP-403-NOREPOST');
  });
});

describe('every resume() starts again at Ping, at once (RESUME-RESTARTS)', () => {
  test.for(['app/404/mirror/upload', 'app/501/alt-header/upload-reply', 'scenario/resume-transient'])('%s: resume() without Ping fails RESUME-RESTARTS alone', async (id) => {
    const j = await judged({ resumeSkipsPing: true }, id);
    expect(j.verdict).toBe('fail');
    expect(rulesOf(j)).toEqual(['RESUME-RESTARTS']);
    expect(j.failures[0]!.message).toMatch(/^interpretation: .*first request was Fragment; a resumed job starts again at Ping/);
  });

  test.for(['app/404/mirror/upload', 'scenario/resume-transient'])('%s: resume() that waits MinimumRetryDelay fails RESUME-RESTARTS', async (id) => {
    const j = await judged({ resumeWaits: true }, id);
    expect(rulesOf(j)).toEqual(['RESUME-RESTARTS']);
    expect(j.failures[0]!.message).toMatch(/after MinimumRetryDelay/);
  });

  test('a correct client passes the same cases', async () => {
    for (const id of ['app/404/mirror/upload', 'app/501/alt-header/upload-reply', 'scenario/resume-transient']) expect((await judged({}, id)).verdict, id).toBe('pass');
  });
});

describe('success claimed on a short final Ack is data loss (NO-FALSE-SUCCESS, ACK-RANGE-ALWAYS)', () => {
  test('a one-fragment client that ignores the final Ack range fails NO-FALSE-SUCCESS in ack-behind', async () => {
    const j = await judged({ ignoresAckRange: true }, 'scenario/ack-behind');
    expect(j.verdict).toBe('fail');
    expect(rulesOf(j)).toEqual(['ACK-RANGE-ALWAYS', 'NO-FALSE-SUCCESS']);
    expect(j.observed.posts).toBe(0);
  });

  test('the same client passes where the final Ack names the end of the file', async () => {
    expect((await judged({ ignoresAckRange: true }, 'app/200/mirror/upload')).verdict).toBe('pass');
  });
});

describe('Cancel-Session is judged only when a session was open at cancel()', () => {
  test('a client that finished its upload before the harness cancelled is not failed on Cancel-Session', async () => {
    const j = await judged({ retriesAtOnce: true }, 'scenario/cancel-404');
    expect(j.verdict).toBe('pass');
    expect(j.notJudged).toEqual([expect.objectContaining({ rule: 'PKT-CLOSE-RETRY', reason: expect.stringMatching(/no session was open .* \(the job was TRANSFERRED\)/) })]);
  });

  test('a client that closed its session after the failed fragment is failed for that close, not for a Cancel-Session it could not send', async () => {
    const j = await judged({ closesAfterFailedFragment: true }, 'scenario/cancel-404');
    expect(rulesOf(j)).toEqual(['PKT-CLOSE-EARLY']);
    expect(j.notJudged.map((n) => n.rule)).toEqual(['PKT-CLOSE-RETRY']);
  });
});

describe('a job that never stopped is named once, by the rule that demanded the stop', () => {
  test('a 416 without a range, retried: ACK-416-NO-RANGE, not JOB-FATAL for a fatal error the job never reported', async () => {
    const j = await judged({ retries416WithoutRange: true }, 'scenario/gap-416-no-range');
    expect(rulesOf(j)).toContain('ACK-416-NO-RANGE');
    expect(rulesOf(j)).not.toContain('JOB-FATAL');
  });

  test('with that interpretation switched off, nothing else demands the stop: JOB-FATAL is not named', async () => {
    const j = await judged({ retries416WithoutRange: true }, 'scenario/gap-416-no-range', { interpretationsOff: ['ACK-416-NO-RANGE'] });
    expect(j.failures.map((f) => f.rule)).not.toContain('JOB-FATAL');
    expect(j.notJudged.map((n) => n.rule)).toContain('ACK-416-NO-RANGE');
  });
});
