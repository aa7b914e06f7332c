// Time in a case: the timings a run uses, and how much the wall clock may stray when a client in
// another process is judged on it. Virtual time (in-process) is exact.
import { DEFAULT_MINIMUM_RETRY_DELAY_MS, DEFAULT_NO_PROGRESS_TIMEOUT_MS } from '../rules/index.js';

export interface Timing {
  minimumRetryDelayMs: number;
  noProgressTimeoutMs: number;
  /** How far the wall clock may stray when judging a client in another process (absent in virtual time). */
  toleranceMs?: number;
}

/** The timings a run uses: the matrix's, the persistent failures', and whether the 14-day case runs. */
export interface TimingProfile {
  matrix: Timing;
  persistent: Timing;
  windowsDefaults: boolean;
}

/** The Windows defaults: 600 s and 14 days. In-process they cost nothing under virtual time. */
export const WINDOWS_TIMING: Timing = { minimumRetryDelayMs: DEFAULT_MINIMUM_RETRY_DELAY_MS, noProgressTimeoutMs: DEFAULT_NO_PROGRESS_TIMEOUT_MS };

/** Short enough to count retries one by one: about ten retries before the no-progress timeout. */
export const SHORT_TIMING: Timing = { minimumRetryDelayMs: 60_000, noProgressTimeoutMs: 600_000 };

/** In-process, under virtual time: the real Windows defaults cost nothing. */
export const VIRTUAL_PROFILE: TimingProfile = { matrix: WINDOWS_TIMING, persistent: SHORT_TIMING, windowsDefaults: true };

/**
 * A client in another process is judged on the wall clock: short delays, about ten retries before the
 * no-progress timeout, and a tolerance of a quarter of the delay (at least 20 ms) for scheduling.
 */
export function realTimeProfile(minimumRetryDelayMs = 200, noProgressTimeoutMs = 10 * minimumRetryDelayMs): TimingProfile {
  const timing: Timing = { minimumRetryDelayMs, noProgressTimeoutMs, toleranceMs: Math.max(20, Math.round(minimumRetryDelayMs / 4)) };
  return { matrix: timing, persistent: timing, windowsDefaults: false };
}

/** How long a stop decision must hold, in retry delays (at least 3: core issue). */
export const QUIET_WINDOW_DELAYS = 3;

/** How much longer than the protocol's own delays a real-time case waits for an outcome. */
export const REAL_TIME_PATIENCE_MS = 5_000;

/** Wall-clock slack for a lower bound ("not before the delay"): 0 under virtual time. */
export const tolerance = (timing: Timing): number => timing.toleranceMs ?? 0;

/**
 * On the wall clock a state is seen when it is observed, which can be late under load but never early:
 * upper bounds get this much more. Lower bounds need none.
 */
export const observationSlack = (timing: Timing): number => (timing.toleranceMs === undefined ? 0 : 1_000);

/** Whether "at once" (sooner than the retry delay) can be told apart from a wait on this clock. */
export const canTellAtOnce = (timing: Timing): boolean => timing.minimumRetryDelayMs - tolerance(timing) >= (timing.toleranceMs === undefined ? 1 : 500);
