// What the harness saw during a case: the client's states in order, a few named checkpoints, the
// calls the harness made, and the ledger. Plain data: it travels on vitest's task.meta.
import type { LedgerEntry } from '../server/index.js';
import type { JobError } from './contract.js';

export type CheckpointName =
  | 'final-ack'
  | 'after-retry'
  | 'quiet-window'
  | 'after-resume'
  | 'after-complete'
  | 'gave-up'
  | 'outcome'
  | 'after-watch';

export interface Checkpoint {
  t: number;
  state: string;
  error: JobError | null;
}

export interface Observation {
  /** The case clock's start; every `t` is milliseconds on it. */
  /** The job's states in order, each with the error readable then: the timeline the judge reads. */
  states: { t: number; state: string; error?: JobError | null; /** Requests the server had seen by then. */ seen?: number }[];
  checkpoints: Partial<Record<CheckpointName, Checkpoint>>;
  calls: { t: number; call: 'createJob' | 'resume' | 'complete' | 'cancel' }[];
  ledger: LedgerEntry[];
  /** The reply an upload-reply job downloaded, as text (null when it has none). */
  reply?: string | null;
  /** The reply the application gave on its successful post, as text. */
  expectedReply?: string;
  /** The client broke the contract or threw: the case cannot be judged. */
  clientError?: string;
  /** The harness itself broke (our handler threw): never the client's fault. */
  harnessError?: string;
}
