// The records the judge's mutation run replays, as the replay reads them (judge-replay.suite.ts): the
// index, each subject's recorded cases, and whether they are the cases it runs now.
import type { ConformanceCase } from '../../src/harness/cases.js';
import type { Observation } from '../../src/harness/observation.js';
import { memberIds, type MemberPlan } from '../zoo/zoo.js';
import { OBSERVATIONS_DIR, readIndex, readSubject, runFingerprint, type ObservationIndex, type SubjectIndex, type SubjectRecord } from './observations.js';

const RECORD = 'npx tsx tools/mutation/record.ts';

/** Whether Stryker has a mutant switched on (its vitest setup sets the id before a mutant's tests run). */
const mutantActive = (): boolean => (globalThis as { __stryker__?: { activeMutant?: unknown } }).__stryker__?.activeMutant !== undefined;

/**
 * Subject files already read, by path and key: Stryker runs the replay once per mutant in the same
 * worker (vitest.mutation.config.ts does not isolate it), and reading 30 MB of JSON each time would
 * cost more than the judging. The records never change during a run.
 */
const READ = ((globalThis as { __bitsReplayRecords__?: Map<string, SubjectRecord> }).__bitsReplayRecords__ ??= new Map());

export class Replay {

  private constructor(
    readonly index: ObservationIndex,
    /** Every zoo member, as recorded: its expectation, and its command if it has one. */
    readonly members: readonly MemberPlan[],
  ) {}

  /** The index and every zoo member; throws when there are no records, or a member has none. */
  static async load(): Promise<Replay> {
    const index = readIndex();
    if (!index) throw new Error(`no recorded observations in ${OBSERVATIONS_DIR}: run \`${RECORD}\` first (npm run mutation does)`);
    const replay = new Replay(index, []);
    const members = (await memberIds()).map((id) => {
      const { member } = replay.subject(id);
      if (!member) throw new Error(`${id} was recorded as a conformant client, not as a zoo member: run \`${RECORD}\``);
      return member;
    });
    return new Replay(index, members);
  }

  subject(name: string): SubjectIndex {
    const subject = this.index.subjects[name];
    if (!subject) throw new Error(`no observations of ${name} were recorded: run \`${RECORD}\``);
    return subject;
  }

  /**
   * The recorded observation of each case, when every case runs as it did when it was recorded. Without a
   * mutant a difference means the records are stale (an error); with one, that the mutant changed how the
   * cases run, so what was recorded is not what a live run would see (undefined: not replayable).
   */
  observations(name: string, cases: readonly ConformanceCase[]): Map<ConformanceCase, Observation> | undefined {
    const now = cases.map((c) => `${c.id} ${runFingerprint(c)}`).sort().join('\n');
    const then = this.subject(name).cases.map((r) => `${r.id} ${r.run}`).sort().join('\n');
    if (now !== then) {
      if (mutantActive()) return undefined;
      throw new Error(`the recorded cases of ${name} are not the cases it runs now: run \`${RECORD}\``);
    }
    const path = `${OBSERVATIONS_DIR}/${name} ${this.index.key}`;
    let record = READ.get(path);
    if (!record) READ.set(path, (record = readSubject(name, this.index.key)));
    const { observations } = record;
    return new Map(cases.map((c) => [c, observations[c.id]!]));
  }
}
