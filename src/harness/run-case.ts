// Drives one case against a client, on the environment's transport and clock, and records what happened.
// It judges nothing: the judge reads the observation afterwards.
import { createBitsServer, ScriptedApplication, type BitsServer } from '../server/index.js';
import { QUIET_WINDOW_DELAYS, type ConformanceCase } from './cases.js';
import { scenarioByName, type ScenarioFlow } from './scenarios.js';
import { ClientNeverIdle, type CaseClock } from './clock.js';
import { checkJob, isJobState, type ClientUnderTest, type Job, type JobError } from './contract.js';
import { showError } from './judge.js';
import { InProcessEnvironment, type CaseEnvironment } from './environment.js';
import { ProcessClientError, RemoteJob } from './process-client.js';
import type { CheckpointName, Observation } from './observation.js';

const inProcess = new InProcessEnvironment();

/** How much longer than the protocol's own delays a real-time case waits for an outcome. */
const REAL_TIME_PATIENCE_MS = 5_000;

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

class ClientFault extends Error {}

export async function runCase(c: ConformanceCase, client: ClientUnderTest, environment: CaseEnvironment = inProcess): Promise<Observation> {
  const observation: Observation = { states: [], checkpoints: {}, calls: [], ledger: [] };
  let job: Job | undefined;
  const application = new ScriptedApplication(c.script);
  let server: BitsServer | undefined;

  const stateOf = (): string => {
    try {
      const state = job?.getState();
      return isJobState(state) ? state : `invalid state ${JSON.stringify(state)}`;
    } catch (error) {
      throw new ClientFault(`getState() threw: ${messageOf(error)}`);
    }
  };
  let now = (): number => 0;
  const errorOf = (): JobError | null => {
    try {
      const error = job!.getError();
      return error ? { context: error.context, code: error.code >>> 0 } : null;
    } catch (e) {
      throw new ClientFault(`getError() threw: ${messageOf(e)}`);
    }
  };
  const observe = (): void => {
    if (!job) return;
    const state = stateOf();
    const error = errorOf();
    const last = observation.states.at(-1);
    if (last?.state !== state || showError(last.error) !== showError(error)) {
      observation.states.push({ t: now(), state, error, seen: server?.ledger.entries.length ?? 0 });
    }
  };
  const stage = environment.open((baseUrl, clockNow) => (server = createBitsServer({ origin: baseUrl, application, relay: c.relay, now: clockNow, ...(c.faults ? { faults: c.faults } : {}), ...(c.hostId ? { hostId: true } : {}) })), {
    signature: () => `${server!.ledger.entries.length}:${job ? stateOf() : ''}`,
    observe,
    refresh: async () => {
      if (job && job instanceof RemoteJob) await job.refresh();
    },
  });
  const vc = stage.clock;
  now = () => vc.now();
  const bits = server!;

  const call = async (name: 'resume' | 'complete' | 'cancel'): Promise<void> => {
    observation.calls.push({ t: vc.now(), call: name });
    try {
      await job![name]();
    } catch (error) {
      if (error instanceof ProcessClientError) throw error;
      throw new ClientFault(`${name}() threw: ${messageOf(error)}`);
    }
    observe();
  };
  const checkpoint = (name: CheckpointName): void => {
    observe();
    observation.checkpoints[name] = { t: vc.now(), state: stateOf(), error: errorOf() };
  };
  const posts = (): number => bits.ledger.notifications;
  const state = (): string => stateOf();
  const idleIn = (...states: string[]) => () => states.includes(state());
  const { minimumRetryDelayMs: delay, noProgressTimeoutMs: npt } = c.timing;
  const quietWindow = QUIET_WINDOW_DELAYS * Math.max(delay, 1);
  // On the wall clock a loaded client may be slow to finish what it started: waits for an outcome
  // get patience (a conformant client ends them early). Quiet windows never do: they are judged.
  const patience = c.timing.toleranceMs === undefined ? 0 : REAL_TIME_PATIENCE_MS;

  /** The protocol and timing scenarios: see ScenarioFlow. */
  const runScenario = async (flow: ScenarioFlow): Promise<void> => {
    const settled = ['TRANSFERRED', 'ACKNOWLEDGED', 'ERROR', 'CANCELLED'];
    switch (flow) {
      case 'complete':
        await vc.runUntil(idleIn(...settled), 3 * delay + quietWindow + patience);
        checkpoint('outcome');
        return;
      case 'error':
        await vc.runUntil(idleIn(...settled, 'TRANSIENT_ERROR'), npt + quietWindow + patience);
        checkpoint('outcome');
        await vc.advance(quietWindow);
        checkpoint('quiet-window');
        return;
      case 'cancel':
        await vc.runUntil(idleIn(...settled, 'TRANSIENT_ERROR'), npt + quietWindow + patience);
        checkpoint('outcome');
        await call('cancel');
        await vc.advance(delay + quietWindow);
        checkpoint('after-watch');
        return;
      case 'resume':
        await vc.runUntil(idleIn(...settled, 'TRANSIENT_ERROR'), npt + quietWindow + patience);
        checkpoint('outcome');
        if (state() === 'TRANSIENT_ERROR') await call('resume');
        await vc.runUntil(idleIn(...settled), 3 * delay + quietWindow + patience);
        return;
      case 'give-up':
        await vc.runUntil(idleIn('ERROR', 'TRANSFERRED', 'ACKNOWLEDGED', 'CANCELLED'), 2 * npt + 2 * delay + quietWindow + patience);
        checkpoint('gave-up');
        await vc.advance(quietWindow);
        checkpoint('quiet-window');
        return;
    }
  };

  try {
    observation.calls.push({ t: 0, call: 'createJob' });
    try {
      job = await client.createJob({ url: `${stage.baseUrl}/upload/case.bin`, payload: payloadFor(c), type: c.jobType, minimumRetryDelayMs: c.timing.minimumRetryDelayMs, noProgressTimeoutMs: c.timing.noProgressTimeoutMs });
    } catch (error) {
      if (error instanceof ProcessClientError) throw error;
      throw new ClientFault(`createJob() threw: ${messageOf(error)}`);
    }
    const problem = checkJob(job);
    if (problem) throw new ClientFault(problem);
    observe();

    await call('resume');
    if (c.kind !== 'scenario') {
      // Until the application has answered once and the client has settled on a decision.
      const decided = () => posts() >= 1 && !['QUEUED', 'CONNECTING', 'TRANSFERRING'].includes(state());
      await vc.runUntil(decided, Math.max(npt, quietWindow) + quietWindow + patience);
      checkpoint('final-ack');
    }

    if (c.kind === 'scenario') {
      await runScenario(scenarioByName(c.scenario!).flow);
    } else if (c.kind === 'retry-until-npt') {
      await vc.runUntil(idleIn('ERROR'), npt + quietWindow + patience);
      checkpoint('gave-up');
      await vc.advance(quietWindow);
      checkpoint('quiet-window');
    } else if (c.expected.class === 'transient') {
      // The client must retry by itself: no resume() here.
      await vc.runUntil(() => posts() >= 2 && idleIn('TRANSFERRED', 'ERROR', 'ACKNOWLEDGED')(), delay + quietWindow + patience);
      checkpoint('after-retry');
    } else if (c.expected.class === 'fatal') {
      // Under virtual time the window lasts until NoProgressTimeout: it costs nothing, and a client that
      // retries a fatal error by its own timer, however late, shows before resume() would hide it.
      await vc.advance(patience === 0 ? Math.max(quietWindow, npt) : quietWindow);
      checkpoint('quiet-window');
      await call('resume');
      await vc.runUntil(idleIn('TRANSFERRED', 'ACKNOWLEDGED'), quietWindow + patience);
      if (!c.expected.repostAllowed) await vc.advance(quietWindow); // give a forbidden re-post every chance to show
      checkpoint('after-resume');
    }
    if (state() === 'TRANSFERRED') {
      await call('complete');
      await vc.settle();
      checkpoint('after-complete');
    }
    if (c.kind === 'scenario' && scenarioByName(c.scenario!).flow === 'complete') {
      // Long enough for a re-sent Close-Session to show, from a client that closes on complete().
      await vc.advance(delay + quietWindow);
      checkpoint('after-watch');
    }
    if (c.jobType === 'upload-reply') {
      const reply = job.getReply?.() ?? null;
      observation.reply = reply ? new TextDecoder().decode(reply) : null;
      const given = application.replies.at(-1);
      if (given) observation.expectedReply = new TextDecoder().decode(given);
    }
  } catch (error) {
    if (error instanceof ClientFault || error instanceof ClientNeverIdle || error instanceof ProcessClientError) observation.clientError = error.message;
    else observation.harnessError = `harness error: ${messageOf(error)}`;
  } finally {
    // What the client did on its own ends here; the tidy-up's Cancel-Session is not judged.
    observation.ledger = [...bits.ledger.entries];
    await tidyUp(job, vc);
    stage.close();
    if (stage.handlerErrors.length) observation.harnessError = stage.handlerErrors.join('; ');
  }
  return observation;
}

/** Leaves no job running into the next case: cancel what is not finished, ignoring what it says. */
async function tidyUp(job: Job | undefined, clock: CaseClock): Promise<void> {
  if (!job) return;
  try {
    const state = job.getState();
    if (state !== 'ACKNOWLEDGED' && state !== 'CANCELLED') {
      await job.cancel();
      await clock.runUntil(() => true, 0);
    }
  } catch {
    // The case already has its observation; a client that cannot be cancelled is not judged here.
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
