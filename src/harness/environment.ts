// Where a case runs: the transport its BITS server is reached through and the clock it is judged on.
import { BitsServerPool, type BitsServer, type BitsServerOptions } from '../server/index.js';
import { VirtualClock, type CaseClock, type SettleProbe } from './clock.js';
import { IN_PROCESS_DOMAIN, InProcessRoutes, type InProcessRoute } from './in-process.js';
import { offThreadWork } from './off-thread.js';

export interface CaseStage {
  /** The case's BITS server lives under this URL; so does the job's upload URL. */
  baseUrl: string;
  clock: CaseClock;
  /** The case's BITS server: its ledger and sessions. */
  server: BitsServer;
  /** Exceptions thrown inside our own handlers: harness errors, never the client's fault. */
  handlerErrors: readonly string[];
  /** What the transport did in the client's stead (Node's fetch's own steps, in-process), one sentence each. */
  transportNotes?: readonly string[];
  /** Stops the clock and takes the case's server down. */
  close(): void;
}

/** The case's BITS server, given the base URL it lives under and the stage's clock for its ledger. */
export type ServerSpec = (baseUrl: string, now: () => number) => BitsServerOptions;

export interface CaseEnvironment {
  readonly transport: 'in-process' | 'process';
  /** Resolves once the environment can open cases (its transport is listening). */
  ready?(): Promise<void>;
  open(spec: ServerSpec, probe: Omit<SettleProbe, 'busy'>): CaseStage;
}

/**
 * The worker's virtual timeline: each case's clock starts where the last one stopped, whichever
 * environment ran it, so time never goes backwards for a client that keeps state across jobs.
 */
let timeline = 0;
/** Cases opened in this worker: each gets its own origin, so a request left over from an earlier case reaches none. */
let opened = 0;

/**
 * One set of msw handlers for every in-process case of the worker, whichever route: built once, each
 * case's server joins it under its own origin while the case runs.
 */
const pool = new BitsServerPool();
let routes: InProcessRoutes | undefined;
const workerRoutes = (): InProcessRoutes => (routes ??= new InProcessRoutes(pool.handlers));
/** Watched from the worker's start: a request a client starts in its first case is seen too. */
const offThread = offThreadWork();

/**
 * In-process clients: virtual time, and the handlers reached directly (`direct`, the default) or
 * through msw's interceptors (`msw`, the ordinary way, kept to compare against: see in-process.ts).
 */
export class InProcessEnvironment implements CaseEnvironment {
  readonly transport = 'in-process';
  private current: CaseStage | undefined;

  constructor(readonly route: InProcessRoute = 'direct') {
    // Before the client under test loads: what it keeps of the clocks must be the worker's layers.
    VirtualClock.prepare();
  }

  ready(): Promise<void> {
    return workerRoutes().ready(this.route);
  }

  open(spec: ServerSpec, probe: Omit<SettleProbe, 'busy'>): CaseStage {
    // Cases run one at a time here. One still open was abandoned (vitest timed it out while the client
    // hung): take its clock and server down, or every later case would find its timers running.
    this.current?.close();
    const baseUrl = `http://case-${++opened}.${IN_PROCESS_DOMAIN}`;
    let clock: VirtualClock | undefined;
    const server = pool.open(spec(baseUrl, () => clock?.now() ?? 0));
    const transport = workerRoutes().open(this.route);
    clock = VirtualClock.install({ ...probe, busy: () => transport.inFlight() > 0 || server.inFlight() > 0, offThread: () => offThread.pending() > 0 }, timeline);
    const installed = clock;
    let closed = false;
    const stage: CaseStage = {
      baseUrl,
      clock: installed,
      server,
      handlerErrors: server.handlerErrors,
      transportNotes: transport.notes,
      close: () => {
        if (closed) return;
        closed = true;
        timeline = installed.absoluteNow();
        installed.uninstall();
        transport.close();
        server.close();
        if (this.current === stage) this.current = undefined;
      },
    };
    this.current = stage;
    return stage;
  }
}
