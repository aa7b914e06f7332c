// What the harness saw during a case: the client's states in order, a few named checkpoints, the calls
// the harness made, and the ledger. Plain data: it travels on vitest's task.meta.
import type { LedgerEntry } from '../server/index.js';
import type { JobError } from './contract.js';

export type CheckpointName = 'final-ack' | 'after-retry' | 'quiet-window' | 'after-resume' | 'after-complete' | 'gave-up' | 'outcome' | 'after-watch';

export interface Checkpoint {
  t: number;
  state: string;
  error: JobError | null;
}

/** One state the job reported, in the order reported: the timeline the judge reads. */
export interface StateEntry {
  t: number;
  /** The state as reported; a value that is not a string is kept as its JSON. */
  state: string;
  /** False when the value is not one of the nine BG_JOB_STATE names (JOB-STATES). */
  valid: boolean;
  error: JobError | null;
  /** Requests the server had seen when this state was seen: orders states against the ledger. */
  seen: number;
}

export type HarnessCall = 'createJob' | 'resume' | 'suspend' | 'complete' | 'cancel';

export interface CallEntry {
  t: number;
  call: HarnessCall;
  /** Requests the server had seen when the call was made. */
  seen: number;
  /** The job's state when the call was made. */
  state: string;
  /** Sessions open on the server when the call was made (premise of the Cancel-Session checks). */
  openSessions: number;
  /** Requests the server had seen when the call returned: any before may have been sent before the call took effect. */
  seenAfter?: number;
}

export interface Observation {
  states: StateEntry[];
  checkpoints: Partial<Record<CheckpointName, Checkpoint>>;
  calls: CallEntry[];
  ledger: LedgerEntry[];
  /** SHA-256 (hex) of the payload the job was given: what the server must hold before success (NO-FALSE-SUCCESS). */
  payloadSha256: string;
  /** The reply an upload-reply job downloaded, as text (null when it has none). */
  reply?: string | null;
  /** The reply the application gave on its successful post, as text. */
  expectedReply?: string;
  /** What the transport did in the client's stead (a relayed 407 made a network error by Node's fetch), one sentence each. */
  transportNotes?: string[];
  /** The client broke the contract or threw: the case cannot be judged. */
  clientError?: string;
  /** The client's call never returned (ClientHung): the run stops, as a client that hangs would hang every case. */
  clientHung?: boolean;
  /** The harness itself broke (our handler threw): never the client's fault. */
  harnessError?: string;
}
