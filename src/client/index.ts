// The reference BITS upload client: a job API modelled on IBackgroundCopyJob, speaking MC-BUP over fetch.
// Independent of the suite's rule table and harness (it imports only the MC-BUP vocabulary).
export {
  UploadJob,
  createUploadJob,
  DEFAULT_FRAGMENT_SIZE,
  DEFAULT_MINIMUM_RETRY_DELAY_MS,
  DEFAULT_NO_PROGRESS_TIMEOUT_MS,
  type UploadJobError,
  type UploadJobOptions,
  type UploadJobState,
  type UploadJobType,
} from './job.js';
export { classifyApplicationStatus, httpErrorCode, type StatusClass } from './classify.js';

export const BITS_UPLOAD_CLIENT = { name: 'bits-conformance reference client', version: '0.1.0' } as const;
