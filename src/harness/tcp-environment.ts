// Clients in another process reach the case's BITS server over real TCP. One wire server serves every
// case running at the moment, through one set of msw handlers built once (a BitsServerPool): each case
// lives under its own path prefix (/case-N), and the pool hands each request to that case's server.
import { BitsServerPool } from '../server/index.js';
import { startWireServer, type WireServer } from '../wire/index.js';
import type { SettleProbe } from './clock.js';
import type { CaseEnvironment, CaseStage, ServerSpec } from './environment.js';
import { RealClock, type RealClockOptions } from './real-clock.js';

export class TcpEnvironment implements CaseEnvironment {
  readonly transport = 'process';
  private readonly pool = new BitsServerPool();
  private cases = 0;
  private wire: WireServer | undefined;

  constructor(private readonly clockOptions: RealClockOptions = {}) {}

  /** Starts the wire server on 127.0.0.1 and a free port. A request under no live case is answered 404. */
  async start(): Promise<this> {
    this.wire = await startWireServer({ handlers: this.pool.handlers });
    return this;
  }

  get url(): string {
    if (!this.wire) throw new Error('the TCP environment is not started');
    return this.wire.url;
  }

  open(spec: ServerSpec, probe: Omit<SettleProbe, 'busy'>): CaseStage {
    const baseUrl = `${this.url}/case-${++this.cases}`;
    let clock: RealClock | undefined;
    const server = this.pool.open(spec(baseUrl, () => clock?.now() ?? 0));
    clock = new RealClock({ ...probe, busy: () => server.inFlight() > 0 }, this.clockOptions);
    return { baseUrl, clock, server, handlerErrors: server.handlerErrors, close: () => server.close() };
  }

  async close(): Promise<void> {
    await this.wire?.close();
  }
}
