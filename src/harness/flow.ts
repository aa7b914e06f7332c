// What the harness does to a job during a case, as small flows over one FlowContext: run time until
// the client settles, call resume/suspend/cancel/complete, take named checkpoints. A flow decides no
// verdict; the judge reads what it recorded.
import type { CheckpointName, HarnessCall } from './observation.js';

export interface FlowContext {
  /** The case's MinimumRetryDelay and NoProgressTimeout. */
  readonly delay: number;
  readonly npt: number;
  /** How long a stop decision must hold: QUIET_WINDOW_DELAYS retry delays. */
  readonly quietWindow: number;
  /** Extra time a wait for an outcome gets on the wall clock (0 under virtual time, where nothing is late). */
  readonly patience: number;
  /** Virtual time: waiting costs nothing, so quiet windows may last until NoProgressTimeout. */
  readonly virtual: boolean;
  state(): string;
  /** Posts of the file to the server application so far. */
  posts(): number;
  runUntil(done: () => boolean, limitMs: number): Promise<boolean>;
  advance(ms: number): Promise<void>;
  settle(): Promise<void>;
  call(name: Exclude<HarnessCall, 'createJob'>): Promise<void>;
  checkpoint(name: CheckpointName): void;
}

export type Flow = (f: FlowContext) => Promise<void>;

/** States the job rests in without the harness acting. */
export const SETTLED = ['TRANSFERRED', 'ACKNOWLEDGED', 'ERROR', 'CANCELLED'] as const;
const IN_PROGRESS = ['QUEUED', 'CONNECTING', 'TRANSFERRING'];

const inState = (f: FlowContext, states: readonly string[]) => () => states.includes(f.state());
const runUntilIn = (f: FlowContext, states: readonly string[], limitMs: number): Promise<boolean> => f.runUntil(inState(f, states), limitMs);

/** complete() a TRANSFERRED job, and let the client finish what it does on complete() (Close-Session, for some). */
export async function acknowledge(f: FlowContext): Promise<void> {
  if (f.state() !== 'TRANSFERRED') return;
  await f.call('complete');
  await f.settle();
  f.checkpoint('after-complete');
}

/** Until the first settled outcome, or a transient error too when `transientToo`. */
async function toOutcome(f: FlowContext, transientToo: boolean, limitMs: number): Promise<void> {
  await runUntilIn(f, transientToo ? [...SETTLED, 'TRANSIENT_ERROR'] : SETTLED, limitMs);
  f.checkpoint('outcome');
}

/** The scenario flows, by what the harness does after resume(). */
export const scenarioFlows = {
  /** To a settled outcome; complete() a TRANSFERRED job; watch a while longer for re-sent packets. */
  complete: (async (f) => {
    await toOutcome(f, false, 3 * f.delay + f.quietWindow + f.patience);
    await acknowledge(f);
    // Long enough for a re-sent Close-Session to show, from a client that closes on complete().
    await f.advance(f.delay + f.quietWindow);
    f.checkpoint('after-watch');
  }) as Flow,
  /** To the first error (or outcome); then a quiet window. */
  error: (async (f) => {
    await toOutcome(f, true, f.npt + f.quietWindow + f.patience);
    await f.advance(f.quietWindow);
    f.checkpoint('quiet-window');
    await acknowledge(f);
  }) as Flow,
  /** To the first error (a transient one mid-upload), then cancel() and watch for re-sent Cancel-Session. */
  cancel: (async (f) => {
    await toOutcome(f, true, f.npt + f.quietWindow + f.patience);
    await f.call('cancel');
    await f.advance(f.delay + f.quietWindow);
    f.checkpoint('after-watch');
  }) as Flow,
  /** To the first error (a transient one), resume() at once, then to a settled outcome and complete(). */
  resume: (async (f) => {
    await toOutcome(f, true, f.npt + f.quietWindow + f.patience);
    if (f.state() === 'TRANSIENT_ERROR') await f.call('resume');
    await runUntilIn(f, SETTLED, 3 * f.delay + f.quietWindow + f.patience);
    await acknowledge(f);
  }) as Flow,
  /** Until the job gives up (ERROR); then a quiet window. */
  giveUp: (async (f) => {
    await runUntilIn(f, ['ERROR', 'TRANSFERRED', 'ACKNOWLEDGED', 'CANCELLED'], 2 * f.npt + 2 * f.delay + f.quietWindow + f.patience);
    f.checkpoint('gave-up');
    await f.advance(f.quietWindow);
    f.checkpoint('quiet-window');
    await acknowledge(f);
  }) as Flow,
} satisfies Record<string, Flow>;

/** Until the application has answered once and the client has settled on a decision. */
async function toDecision(f: FlowContext): Promise<void> {
  const decided = () => f.posts() >= 1 && !IN_PROGRESS.includes(f.state());
  await f.runUntil(decided, Math.max(f.npt, f.quietWindow) + f.quietWindow + f.patience);
  f.checkpoint('final-ack');
}

/**
 * After a fatal status nothing may happen until resume(). Under virtual time the window lasts until
 * NoProgressTimeout: it costs nothing, and a client that retries by its own timer, however late, shows.
 */
async function fatalQuietWindow(f: FlowContext): Promise<void> {
  await f.advance(f.virtual ? Math.max(f.quietWindow, f.npt) : f.quietWindow);
  f.checkpoint('quiet-window');
}

/** The status-matrix and persistent-failure flows, by the class of the application's status. */
export const matrixFlows = {
  success: (async (f) => {
    await toDecision(f);
    await acknowledge(f);
  }) as Flow,
  /** The client must retry by itself: no resume() here. */
  transient: (async (f) => {
    await toDecision(f);
    await f.runUntil(() => f.posts() >= 2 && inState(f, ['TRANSFERRED', 'ERROR', 'ACKNOWLEDGED'])(), f.delay + f.quietWindow + f.patience);
    f.checkpoint('after-retry');
    await acknowledge(f);
  }) as Flow,
  /** Fatal: quiet until resume(); resume() re-sends the final fragment (FATAL-RESUME). */
  fatal: (async (f) => {
    await toDecision(f);
    await fatalQuietWindow(f);
    await f.call('resume');
    await runUntilIn(f, ['TRANSFERRED', 'ACKNOWLEDGED'], f.quietWindow + f.patience);
    f.checkpoint('after-resume');
    await acknowledge(f);
  }) as Flow,
  /**
   * 403: never posted again, however often resumed (NOREPOST-EVERY-RESUME): three resume() calls with a
   * suspend() among them, each followed by a window in which a forbidden post would show.
   */
  noRepost: (async (f) => {
    await toDecision(f);
    await fatalQuietWindow(f);
    for (const step of ['resume', 'resume', 'suspend', 'resume'] as const) {
      await f.call(step);
      if (step === 'resume') await f.advance(f.quietWindow);
    }
    await fatalQuietWindow(f);
    f.checkpoint('after-resume');
    await acknowledge(f);
  }) as Flow,
  /** The application fails every time: retries until NoProgressTimeout, then ERROR and quiet. */
  persistent: (async (f) => {
    await toDecision(f);
    await runUntilIn(f, ['ERROR'], f.npt + f.quietWindow + f.patience);
    f.checkpoint('gave-up');
    await f.advance(f.quietWindow);
    f.checkpoint('quiet-window');
  }) as Flow,
} satisfies Record<string, Flow>;
