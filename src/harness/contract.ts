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

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATE_NAMES as string[]).includes(value);
}
