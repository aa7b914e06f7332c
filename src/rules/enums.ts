// BG_ERROR_CONTEXT and BG_JOB_STATE, with the numeric values of the win32 headers ([CTX], [STATE]).

export const BG_ERROR_CONTEXT = {
  NONE: 0,
  UNKNOWN: 1,
  GENERAL_QUEUE_MANAGER: 2,
  QUEUE_MANAGER_NOTIFICATION: 3,
  LOCAL_FILE: 4,
  REMOTE_FILE: 5,
  GENERAL_TRANSPORT: 6,
  REMOTE_APPLICATION: 7,
  SERVER_CERTIFICATE_CALLBACK: 8,
} as const;
export type ErrorContextName = keyof typeof BG_ERROR_CONTEXT;

export const BG_JOB_STATE = {
  QUEUED: 0,
  CONNECTING: 1,
  TRANSFERRING: 2,
  SUSPENDED: 3,
  ERROR: 4,
  TRANSIENT_ERROR: 5,
  TRANSFERRED: 6,
  ACKNOWLEDGED: 7,
  CANCELLED: 8,
} as const;
export type JobStateName = keyof typeof BG_JOB_STATE;
export const JOB_STATE_NAMES = Object.keys(BG_JOB_STATE) as JobStateName[];

export function errorContextName(context: number): ErrorContextName | undefined {
  return (Object.keys(BG_ERROR_CONTEXT) as ErrorContextName[]).find((name) => BG_ERROR_CONTEXT[name] === context);
}
