// A scenario is one module's worth of data and code: the requirement it checks (quoted from its source),
// the faults the server plays, the flow the harness drives, what the rules expect, and the judge.
import type { RuleId, StatusClass } from '../../rules/index.js';
import type { Fault } from '../../server/index.js';
import type { ExpectedDecision, ServerSetup } from '../cases.js';
import type { JobState, JobType } from '../contract.js';
import type { Flow } from '../flow.js';
import type { Failure } from '../judge/failure.js';
import type { ScenarioJudgement } from '../judge/scenario-kit.js';

export type ScenarioName =
  | 'gap-416' | 'gap-416-no-range' | 'ack-behind' | 'ack-no-range' | 'ack-past-end' | 'stalled-server'
  | 'session-lost' | 'shrink-413' | 'host-id' | 'no-reply-url' | 'upload-no-reply-url'
  | 'dropped-mid-upload' | 'transport-fault-final' | 'close-dropped'
  | 'close-500' | 'close-503' | 'close-599' | 'close-404' | 'close-session-not-found' | 'cancel-503' | 'cancel-404'
  | 'server-denied-403' | 'uploads-disabled-501' | 'bad-request-400' | 'server-busy-503' | 'fragment-500'
  | 'resume-transient' | 'npt-zero' | 'delay-over-npt' | 'progress-resets';

/** A passage of a public source that states what the scenario checks. */
export interface Requirement {
  /** `[MC-BUP] 3.1.5.1.4`, or the win32 BITS docs page: `win32: Ack for Close-Session`. */
  source: string;
  quote: string;
}

export interface ScenarioTimingRule {
  /** NoProgressTimeout as a multiple of MinimumRetryDelay (default: the profile's). */
  nptInDelays?: number;
  /** MinimumRetryDelay as a multiple of the profile's (default 1): room on the wall clock to act before the client's own retry. */
  delayTimes?: number;
}

export interface Scenario<N extends ScenarioName = ScenarioName> {
  name: N;
  /** What happens, in a phrase, for the report and for messages ("after <title>, ..."). */
  title: string;
  requirements: readonly Requirement[];
  /** The status the scenario turns on (the fault's, or the application's). */
  status: number;
  jobType: JobType;
  /** The application's answers to successive posts. */
  script: number[];
  faults: Fault[];
  server?: ServerSetup;
  timing?: ScenarioTimingRule;
  /** The rules the scenario is about, most specific first (the invariants are checked on every case). */
  rules: RuleId[];
  expected: {
    class: StatusClass;
    decision?: ExpectedDecision;
    posts: number | { min: number; max: number };
    finalState: JobState | 'any' | 'not-success';
  };
  flow: Flow;
  judge(j: ScenarioJudgement): Failure[];
}

/** Every scenario by name: a name without its module, or a module without its name, fails to compile. */
export type ScenarioRecord = { readonly [N in ScenarioName]: Scenario<N> };

/** Mid-upload scenarios: the server keeps at most this much of a fragment, so every client uploads in pieces. */
export const MID_UPLOAD: ServerSetup = { acceptAtMost: 4096 };
