// The in-process transport: one msw server per worker, serving the per-case BITS handlers to clients
// that use the global fetch. Cases are sequential within a worker, so a case owns the server while
// it runs.
import http from 'node:http';
import https from 'node:https';
import { FetchResponse } from '@mswjs/interceptors';
import { HttpHandler, HttpResponse, type RequestHandler } from 'msw';
import { setupServer, type SetupServer } from 'msw/node';
import { installNodeHttpShim } from './node-http-shim.js';

let server: SetupServer | undefined;

// msw emulates fetch's redirect following, and wrongly for BITS: a relayed 3xx has no Location, yet
// msw follows it to `/null` and drops the method on 307. Undici returns such a response as it is,
// so turn the emulation off: a relayed 3xx must reach the client as itself (architecture notes).
FetchResponse.isRedirectResponse = () => false;

// node:http clients (axios, got, http.request) would hang on BITS_POST without it: see the shim.
installNodeHttpShim();

/** Requests to no case (a job left over from an earlier case) fail as network errors. */
const strayRequest = new HttpHandler(/.+/, '*', () => HttpResponse.error());

function inProcessServer(): SetupServer {
  if (server) return server;
  const started = setupServer(strayRequest);
  started.listen({ onUnhandledRequest: 'bypass' });
  server = started;
  return started;
}

export interface CaseTransport {
  /** Exceptions thrown inside our own handlers: harness errors, never the client's fault. */
  readonly handlerErrors: string[];
  /** Requests (fetch or node:http) started by the client and not yet answered. */
  inFlight(): number;
  close(): void;
}

/** Serves one case's handlers until close(); counts the client's fetches so the clock can settle. */
export function openCaseTransport(handlers: RequestHandler[]): CaseTransport {
  const api = inProcessServer();
  api.use(...handlers);
  const handlerErrors: string[] = [];
  const onException = ({ error }: { error: Error }): void => {
    handlerErrors.push(`BITS server handler threw: ${error.message}`);
  };
  api.events.on('unhandledException', onException);

  // Wrap whatever fetch is installed now (msw's interceptor) to know when a request is in flight.
  const interceptedFetch = globalThis.fetch;
  let inFlight = 0;
  globalThis.fetch = async (...args: Parameters<typeof fetch>): Promise<Response> => {
    inFlight += 1;
    try {
      return await interceptedFetch(...args);
    } finally {
      inFlight -= 1;
    }
  };

  // node:http clients (the reference client's own connection, axios, got) are counted the same way.
  const requests = { inFlight: 0 };
  const restoreHttp = [countRequests(http, requests), countRequests(https, requests)];

  return {
    handlerErrors,
    inFlight: () => inFlight + requests.inFlight,
    close() {
      for (const restore of restoreHttp) restore();
      globalThis.fetch = interceptedFetch;
      api.events.removeListener('unhandledException', onException);
      api.resetHandlers();
    },
  };
}

/** Wraps the module's request and get (msw's interceptors) to count requests until they close. */
function countRequests(module: typeof http | typeof https, counter: { inFlight: number }): () => void {
  const { request, get } = module;
  const counted = (start: typeof http.request): typeof http.request =>
    ((...args: Parameters<typeof http.request>) => {
      const outgoing = start(...args);
      counter.inFlight += 1;
      outgoing.once('close', () => (counter.inFlight -= 1));
      return outgoing;
    }) as typeof http.request;
  module.request = counted(request as typeof http.request);
  module.get = counted(get as typeof http.get);
  return () => {
    module.request = request;
    module.get = get;
  };
}
