// Clients in another process reach the case's BITS server over real TCP. One wire server serves every
// case running at the moment; each case lives under its own path prefix (/case-N), and a dispatcher
// hands each request to that case's msw handlers with msw's getResponse.
import { getResponse, HttpHandler, HttpResponse, type RequestHandler } from 'msw';
import { startWireServer, type WireServer } from '../wire/index.js';
import type { SettleProbe } from './clock.js';
import type { CaseEnvironment, CaseStage, ServerBuilder } from './environment.js';
import { RealClock, type RealClockOptions } from './real-clock.js';

interface LiveCase {
  handlers: RequestHandler[];
  inFlight: number;
  errors: string[];
}

export class TcpEnvironment implements CaseEnvironment {
  readonly transport = 'process';
  private readonly live = new Map<string, LiveCase>();
  private cases = 0;
  private wire: WireServer | undefined;

  constructor(private readonly clockOptions: RealClockOptions = {}) {}

  /** Starts the wire server on 127.0.0.1 and a free port. */
  async start(): Promise<this> {
    const dispatcher = new HttpHandler(/.+/, '*', async ({ request }) => {
      const prefix = `/${new URL(request.url).pathname.split('/')[1] ?? ''}`;
      const live = this.live.get(prefix);
      if (!live) return new HttpResponse(null, { status: 404, headers: { 'Content-Length': '0' } });
      live.inFlight += 1;
      try {
        return (await getResponse(live.handlers, request)) ?? new HttpResponse(null, { status: 404, headers: { 'Content-Length': '0' } });
      } catch (error) {
        live.errors.push(`BITS server handler threw: ${error instanceof Error ? error.message : String(error)}`);
        return new HttpResponse(null, { status: 500, headers: { 'Content-Length': '0' } });
      } finally {
        live.inFlight -= 1;
      }
    });
    this.wire = await startWireServer({ handlers: [dispatcher] });
    return this;
  }

  get url(): string {
    if (!this.wire) throw new Error('the TCP environment is not started');
    return this.wire.url;
  }

  open(build: ServerBuilder, probe: Omit<SettleProbe, 'busy'>): CaseStage {
    const prefix = `/case-${++this.cases}`;
    const baseUrl = `${this.url}${prefix}`;
    let clock: RealClock | undefined;
    const server = build(baseUrl, () => clock?.now() ?? 0);
    const live: LiveCase = { handlers: server.handlers as RequestHandler[], inFlight: 0, errors: [] };
    this.live.set(prefix, live);
    clock = new RealClock({ ...probe, busy: () => live.inFlight > 0 }, this.clockOptions);
    return {
      baseUrl,
      clock,
      handlerErrors: live.errors,
      close: () => {
        this.live.delete(prefix);
      },
    };
  }

  async close(): Promise<void> {
    await this.wire?.close();
  }
}
