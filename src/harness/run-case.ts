// Drives one case against a client, on the environment's transport and clock, and records what
// happened. It judges nothing: the judge reads the observation afterwards.
import { createHash } from 'node:crypto';
import { ScriptedApplication, type BitsServer, type BitsServerOptions, type ServerApplication } from '../server/index.js';
import { classify } from '../rules/index.js';
import { QUIET_WINDOW_DELAYS, REAL_TIME_PATIENCE_MS, type ConformanceCase } from './cases.js';
import { ClientNeverIdle, type CaseClock } from './clock.js';
import { checkJob, ClientFault, ClientHung, isJobState, type ClientUnderTest, type JobError, type ObservedJob } from './contract.js';
import { InProcessEnvironment, type CaseEnvironment, type CaseStage } from './environment.js';
import { matrixFlows, type Flow, type FlowContext } from './flow.js';
import type { CheckpointName, HarnessCall, Observation } from './observation.js';
import { scenarioByName } from './scenarios/index.js';
import { timeoutMultiplier } from './provided.js';

// The real timers, taken before any case fakes them (clock.ts keeps setImmediate the same way): a call
// into the client is bounded in real time whatever the virtual clock does.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/**
 * How long one call into the client (createJob, resume, ...) may take in real time, before
 * --timeout-multiplier. A call returns at once in virtual time (its work happens on the clock the
 * harness runs), so this only catches a promise that never settles; it is above a process client's
 * answer time (5 s), which says more when that is what happened.
 */
export const CLIENT_CALL_LIMIT_MS = 10_000;

/** The call's result, or ClientHung when it has not settled within the limit. */
function bounded<T>(value: T | Promise<T>, call: string): Promise<T> {
  const limitMs = Math.round(CLIENT_CALL_LIMIT_MS * timeoutMultiplier());
  return new Promise<T>((resolve, reject) => {
    const timer = realSetTimeout(() => reject(new ClientHung(`${call} did not return within ${limitMs / 1000} s (real time): a promise that never settles`)), limitMs);
    Promise.resolve(value).then(
      (v) => { realClearTimeout(timer); resolve(v); },
      (e: unknown) => { realClearTimeout(timer); reject(e); },
    );
  });
}

const inProcess = new InProcessEnvironment();

/** Deterministic payload bytes, different per case so a wrong session can never look right. */
export function payloadFor(c: ConformanceCase): Uint8Array {
  const bytes = new Uint8Array(c.payloadBytes);
  let x = c.status * 2654435761;
  for (let i = 0; i < bytes.length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** Each payload with its SHA-256, made once in a worker: the cases of a status (both relay forms, both job types) share one. */
const payloads = new Map<string, { bytes: Uint8Array; sha256: string }>();

function payloadOf(c: ConformanceCase): { bytes: Uint8Array; sha256: string } {
  const key = `${c.payloadBytes}/${c.status}`;
  let payload = payloads.get(key);
  if (!payload) {
    const bytes = payloadFor(c);
    payloads.set(key, (payload = { bytes, sha256: createHash('sha256').update(bytes).digest('hex') }));
  }
  return payload;
}

/** The options of a case's BITS server: under `baseUrl`, with the case's relay form, faults and server setup. */
export function caseServerOptions(c: ConformanceCase, baseUrl: string, now: () => number, application: ServerApplication): BitsServerOptions {
  return { origin: baseUrl, application, relay: c.relay, now, ...(c.faults ? { faults: c.faults } : {}), ...c.server };
}

/** The flow a case runs after resume(): its scenario's, or the matrix flow for its status's class. */
export function flowOf(c: ConformanceCase): Flow {
  if (c.kind === 'scenario') return scenarioByName(c.scenario!).flow;
  if (c.kind === 'retry-until-npt') return matrixFlows.persistent;
  const cls = classify(c.status);
  if (cls === 'fatal') return c.expected.repostAllowed ? matrixFlows.fatal : matrixFlows.noRepost;
  return matrixFlows[cls];
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** One case in progress: the job, its server and clock, and what has been observed so far. */
class CaseRun implements FlowContext {
  readonly observation: Observation;
  readonly delay: number;
  readonly npt: number;
  readonly quietWindow: number;
  readonly patience: number;
  readonly virtual: boolean;
  private job: ObservedJob | undefined;
  private readonly payload: Uint8Array;
  private readonly application: ScriptedApplication;
  private readonly server: BitsServer;
  private readonly stage: CaseStage;
  private readonly clock: CaseClock;
  /** Set when the client's own part is over: the tidy-up's cancel() is not part of the timeline. */
  private ended = false;

  constructor(private readonly c: ConformanceCase, environment: CaseEnvironment) {
    const { bytes, sha256 } = payloadOf(c);
    // The client's own copy: one that writes into its payload cannot change a later case's.
    this.payload = bytes.slice();
    this.observation = { states: [], checkpoints: {}, calls: [], ledger: [], payloadSha256: sha256 };
    this.application = new ScriptedApplication(c.script);
    this.stage = environment.open(
      (baseUrl, now) => caseServerOptions(c, baseUrl, now, this.application),
      { signature: () => `${this.server.ledger.entries.length}:${this.job ? this.rawState().state : ''}`, observe: () => this.observe(), refresh: () => this.job?.refresh?.() ?? Promise.resolve() },
    );
    this.server = this.stage.server;
    this.clock = this.stage.clock;
    ({ minimumRetryDelayMs: this.delay, noProgressTimeoutMs: this.npt } = c.timing);
    this.quietWindow = QUIET_WINDOW_DELAYS * Math.max(this.delay, 1);
    this.virtual = c.timing.toleranceMs === undefined;
    // On the wall clock a loaded client may be slow to finish what it started: waits for an outcome get
    // patience (a conformant client ends them early). Quiet windows never do: they are judged.
    this.patience = this.virtual ? 0 : REAL_TIME_PATIENCE_MS;
  }

  private rawState(): { state: string; valid: boolean } {
    let value: unknown;
    try {
      value = this.job?.getState();
    } catch (error) {
      throw new ClientFault(`getState() threw: ${messageOf(error)}`);
    }
    return { state: typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), valid: isJobState(value) };
  }

  private error(): JobError | null {
    try {
      const error = this.job?.getError() ?? null;
      return error ? { context: error.context, code: error.code >>> 0 } : null;
    } catch (e) {
      throw new ClientFault(`getError() threw: ${messageOf(e)}`);
    }
  }

  /** Appends a state to the timeline when it differs from the last one seen. */
  private record(state: string, valid: boolean, error: JobError | null): void {
    if (this.ended) return;
    const last = this.observation.states.at(-1);
    if (last?.state === state && last.error?.context === error?.context && last.error?.code === error?.code) return;
    this.observation.states.push({ t: this.clock.now(), state, valid, error, seen: this.server.ledger.entries.length });
  }

  /** Samples the job (called on every hop of the clock, so short-lived states are seen). */
  observe(): void {
    if (!this.job) return;
    const { state, valid } = this.rawState();
    this.record(state, valid, this.error());
  }

  state(): string {
    return this.rawState().state;
  }

  posts(): number {
    return this.server.ledger.notifications;
  }

  runUntil(done: () => boolean, limitMs: number): Promise<boolean> {
    return this.clock.runUntil(done, limitMs);
  }

  advance(ms: number): Promise<void> {
    return this.clock.advance(ms);
  }

  settle(): Promise<void> {
    return this.clock.settle();
  }

  private note(call: HarnessCall): void {
    const openSessions = [...this.server.sessions.values()].filter((s) => s.state === 'open').length;
    this.observation.calls.push({ t: this.clock.now(), call, seen: this.server.ledger.entries.length, state: this.job ? this.state() : 'none', openSessions });
  }

  async call(name: Exclude<HarnessCall, 'createJob'>): Promise<void> {
    this.note(name);
    const entry = this.observation.calls.at(-1)!;
    try {
      await bounded(this.job![name](), `${name}()`);
    } catch (error) {
      throw error instanceof ClientFault ? error : new ClientFault(`${name}() threw: ${messageOf(error)}`);
    }
    entry.seenAfter = this.server.ledger.entries.length;
    this.observe();
  }

  checkpoint(name: CheckpointName): void {
    this.observe();
    this.observation.checkpoints[name] = { t: this.clock.now(), state: this.state(), error: this.error() };
  }

  async start(client: ClientUnderTest): Promise<void> {
    this.note('createJob');
    const { c } = this;
    try {
      this.job = (await bounded(client.createJob({ url: `${this.stage.baseUrl}/upload/case.bin`, payload: this.payload, type: c.jobType, minimumRetryDelayMs: this.delay, noProgressTimeoutMs: this.npt }), 'createJob()')) as ObservedJob;
    } catch (error) {
      throw error instanceof ClientFault ? error : new ClientFault(`createJob() threw: ${messageOf(error)}`);
    }
    const problem = checkJob(this.job);
    if (problem) throw new ClientFault(problem);
    // A client that pushes its states hands over every one, in order: none is lost between samples.
    this.job.watch?.((state, error) => this.record(state, isJobState(state), error));
    this.observe();
    await this.call('resume');
  }

  /** What an upload-reply job downloaded, beside what the application gave. */
  readReply(): void {
    if (this.c.jobType !== 'upload-reply' || !this.job) return;
    const reply = this.job.getReply?.() ?? null;
    this.observation.reply = reply ? new TextDecoder().decode(reply) : null;
    const given = this.application.replies.at(-1);
    if (given) this.observation.expectedReply = new TextDecoder().decode(given);
  }

  /** What the client did on its own ends here; the tidy-up's Cancel-Session is not judged. */
  async end(): Promise<void> {
    this.observation.ledger = [...this.server.ledger.entries];
    if (this.stage.transportNotes?.length) this.observation.transportNotes = [...this.stage.transportNotes];
    this.ended = true;
    await tidyUp(this.job, this.clock);
    this.stage.close();
    if (this.stage.handlerErrors.length) this.observation.harnessError = this.stage.handlerErrors.join('; ');
  }
}

export async function runCase(c: ConformanceCase, client: ClientUnderTest, environment: CaseEnvironment = inProcess): Promise<Observation> {
  await environment.ready?.();
  const run = new CaseRun(c, environment);
  try {
    await run.start(client);
    await flowOf(c)(run);
    run.readReply();
  } catch (error) {
    if (error instanceof ClientFault || error instanceof ClientNeverIdle) {
      run.observation.clientError = error.message;
      if (error instanceof ClientHung) run.observation.clientHung = true;
    } else run.observation.harnessError = `harness error: ${messageOf(error)}`;
  } finally {
    await run.end();
  }
  return run.observation;
}

/** Leaves no job running into the next case: cancel what is not finished, ignoring what it says. */
async function tidyUp(job: ObservedJob | undefined, clock: CaseClock): Promise<void> {
  if (!job) return;
  try {
    const state = job.getState();
    if (state !== 'ACKNOWLEDGED' && state !== 'CANCELLED') {
      await bounded(job.cancel(), 'cancel()');
      await clock.runUntil(() => true, 0);
    }
  } catch {
    // The case already has its observation; a client that cannot be cancelled is not judged here.
  }
}
