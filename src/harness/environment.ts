// Where a case runs: the transport its BITS server is reached through and the clock it is judged on.
import type { RequestHandler } from 'msw';
import type { BitsServer } from '../server/index.js';
import { VirtualClock, type CaseClock, type SettleProbe } from './clock.js';
import { openCaseTransport } from './in-process.js';

export interface CaseStage {
  /** The case's BITS server lives under this URL; so does the job's upload URL. */
  baseUrl: string;
  clock: CaseClock;
  /** Exceptions thrown inside our own handlers: harness errors, never the client's fault. */
  handlerErrors: readonly string[];
  /** Stops the clock and takes the case's handlers down. */
  close(): void;
}

/** Builds the case's BITS server on a base URL, with the stage's clock for its ledger. */
export type ServerBuilder = (baseUrl: string, now: () => number) => BitsServer;

export interface CaseEnvironment {
  readonly transport: 'in-process' | 'process';
  open(build: ServerBuilder, probe: Omit<SettleProbe, 'busy'>): CaseStage;
}

/**
 * The worker's virtual timeline: each case's clock starts where the last one stopped, whichever
 * environment ran it, so time never goes backwards for a client that keeps state across jobs.
 */
let timeline = 0;
/** Cases opened in this worker: each gets its own origin, so a request left over from an earlier case reaches none. */
let opened = 0;

/** In-process clients: msw intercepts the global fetch, and time is virtual. */
export class InProcessEnvironment implements CaseEnvironment {
  readonly transport = 'in-process';
  private current: CaseStage | undefined;

  open(build: ServerBuilder, probe: Omit<SettleProbe, 'busy'>): CaseStage {
    // Cases run one at a time here. One still open was abandoned (vitest timed it out while the client
    // hung): take its clock and handlers down, or every later case would find fake timers installed.
    this.current?.close();
    const baseUrl = `http://case-${++opened}.bits.test`;
    let clock: VirtualClock | undefined;
    const server = build(baseUrl, () => clock?.now() ?? 0);
    const transport = openCaseTransport(server.handlers as RequestHandler[]);
    clock = VirtualClock.install({ ...probe, busy: () => transport.inFlight() > 0 }, timeline);
    const installed = clock;
    let closed = false;
    const stage: CaseStage = {
      baseUrl,
      clock: installed,
      handlerErrors: transport.handlerErrors,
      close: () => {
        if (closed) return;
        closed = true;
        timeline = installed.absoluteNow();
        installed.uninstall();
        transport.close();
        if (this.current === stage) this.current = undefined;
      },
    };
    this.current = stage;
    return stage;
  }
}
