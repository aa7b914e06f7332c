// The client-under-test contract: what a client module default-exports. It mirrors the BITS job API
// (IBackgroundCopyJob), so any BITS-like client maps onto it in a few lines.
import { JOB_STATE_NAMES, type JobStateName } from '../rules/index.js';

export type JobType = 'upload' | 'upload-reply';
export const JOB_TYPES: readonly JobType[] = ['upload', 'upload-reply'];

export type JobState = JobStateName;

/** What IBackgroundCopyError::GetError returns: a BG_ERROR_CONTEXT and an HRESULT (unsigned). */
export interface JobError {
  context: number;
  code: number;
}

export interface JobOptions {
  url: string;
  payload: Uint8Array;
  type: JobType;
  minimumRetryDelayMs: number;
  noProgressTimeoutMs: number;
}

export interface Job {
  resume(): void | Promise<void>;
  suspend(): void | Promise<void>;
  cancel(): void | Promise<void>;
  complete(): void | Promise<void>;
  getState(): JobState;
  getError(): JobError | null;
  getReply?(): Uint8Array | null;
}

export interface ClientCapabilities {
  uploadReply?: boolean;
}

export interface ClientUnderTest {
  name: string;
  version: string;
  capabilities?: ClientCapabilities;
  createJob(options: JobOptions): Job | Promise<Job>;
}

/** Names what a value lacks to be a ClientUnderTest, or returns it typed. */
export function checkClient(value: unknown): { client: ClientUnderTest } | { problem: string } {
  if (!value || typeof value !== 'object') return { problem: 'the module has no default export object' };
  const c = value as Record<string, unknown>;
  if (typeof c.name !== 'string' || c.name === '') return { problem: 'default export lacks `name` (a non-empty string)' };
  if (typeof c.version !== 'string' || c.version === '') return { problem: 'default export lacks `version` (a non-empty string)' };
  if (typeof c.createJob !== 'function') return { problem: 'default export lacks `createJob(options)` (a function)' };
  if (c.capabilities !== undefined && (typeof c.capabilities !== 'object' || c.capabilities === null)) {
    return { problem: '`capabilities` must be an object such as { uploadReply: true }' };
  }
  return { client: value as ClientUnderTest };
}

const JOB_METHODS = ['resume', 'suspend', 'cancel', 'complete', 'getState', 'getError'] as const;

/** Names what a job returned by createJob lacks. */
export function checkJob(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return 'createJob() did not return a job object';
  const missing = JOB_METHODS.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
  return missing.length ? `the job lacks ${missing.map((m) => `${m}()`).join(', ')}` : undefined;
}

/** The client broke the contract (threw, answered wrongly, went silent): an `error` verdict, never a pass or a fail. */
export class ClientFault extends Error {}

/** A call into the client that never settled: the case is an error, and the run stops (every case would wait as long). */
export class ClientHung extends ClientFault {}

/**
 * What the harness's own adapters (a client in another process) add to a job. Never asked of a client:
 * the harness reaches these through the job, whatever the adapter.
 */
export interface ObservedJob extends Job {
  /** Brings a mirrored state up to date before the harness reads it. */
  refresh?(): Promise<void>;
  /** Hands every state the client pushes to `listener`, in order, as it arrives. */
  watch?(listener: (state: JobState, error: JobError | null) => void): void;
}

/** What an adapter can tell about a client it runs, for the report. */
export interface ClientDiagnostics {
  /** The last of what the client wrote on stderr. */
  stderr(): string;
  /** Why the client can no longer be used (its process died), if so. */
  deadReason(): string | undefined;
}

export interface HarnessClient extends ClientUnderTest {
  diagnostics?: ClientDiagnostics;
}

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATE_NAMES as string[]).includes(value);
}
