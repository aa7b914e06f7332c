// `serve`: the suite's BITS server on 127.0.0.1 with a scripted server application, for a client author
// debugging by hand (curl, or their client): every request and its answer is printed as it happens.
// The same msw handlers and TCP transport the suite uses for clients in other processes.
import { HttpHandler, HttpResponse, getResponse } from 'msw';
import { BITS_PROTOCOL_GUID } from '../protocol/index.js';
import { createBitsServer, ScriptedApplication, type LedgerEntry, type RelayForm } from '../server/index.js';
import { startWireServer, type WireRequestInfo } from '../wire/index.js';
import { OptionError, RELAY_FORM_NAMES } from './options.js';

export interface ServeOptions {
  appStatus?: string | undefined;
  relay?: string | undefined;
  port?: string | undefined;
}

export function parseScript(text: string | undefined): number[] {
  if (text === undefined) return [200];
  const items = text.split(',').map((s) => s.trim());
  return items.map((item) => {
    if (!/^\d{3}$/.test(item) || Number(item) < 100 || Number(item) > 599) throw new OptionError(`--app-status: '${item}' is not an application status 100-599 (give a list such as 503,200)`);
    return Number(item);
  });
}

const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;

/** One ledger entry as a line: the request, what the application answered, and the Ack. */
export function requestLine(e: LedgerEntry, elapsedMs: number): string {
  const at = `[${(elapsedMs / 1000).toFixed(3)} s]`;
  const range = e.range ? ` bytes ${e.range.first}-${e.range.last}/${e.range.total}` : '';
  const session = e.sessionId ? ` session ${e.sessionId}` : '';
  const post = e.notification ? ` -> application post #${e.notification.count} answered ${e.notification.status}` : '';
  const r = e.response;
  let answer = '-> (no answer)';
  if (r) {
    const parts = [`${r.status}`];
    if (e.packetType !== 'GET') parts.push('Ack');
    if (r.receivedRange !== undefined) parts.push(`received ${r.receivedRange}`);
    if (r.errorCode !== undefined) parts.push(`error ${hex(r.errorCode)}`);
    if (r.errorContext !== undefined) parts.push(`context ${hex(r.errorContext).replace(/^0x0+/, '0x')}`);
    if (r.replyUrl) parts.push(`reply ${r.replyUrl}`);
    answer = `=> ${parts.join(' ')}`;
  }
  const what = e.packetType === 'GET' ? `GET reply` : `${e.method} ${e.packetType}`;
  return `${at} #${e.seq} ${what}${range}${session}${post} ${answer}`;
}

function describeScript(script: number[]): string {
  if (script.length === 1) return `answers ${script[0]} to every post`;
  return `answers ${script.slice(0, -1).join(', then ')}, then ${script.at(-1)} from then on`;
}

/** Starts the server and prints until SIGINT or SIGTERM; resolves with exit code 0 after closing. */
export async function serveCommand(options: ServeOptions, write: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const script = parseScript(options.appStatus);
  const relay = (options.relay ?? 'mirror') as RelayForm;
  if (!RELAY_FORM_NAMES.includes(relay)) throw new OptionError(`--relay: '${options.relay}' is not a relay form; use ${RELAY_FORM_NAMES.join(', ')}`);
  const port = options.port === undefined ? 0 : Number(options.port);
  if (options.port !== undefined && !(/^\d{1,5}$/.test(options.port) && port <= 65535)) throw new OptionError(`--port: '${options.port}' is not a port number 0-65535`);

  const started = Date.now();
  const application = new ScriptedApplication(script);
  let bits: ReturnType<typeof createBitsServer> | undefined;
  let printed = 0;
  // Requests that are not BITS (a wrong path or host) still get an answer, and a line saying why.
  const fallback = new HttpHandler(/.+/, '*', async ({ request }) => {
    const answer = bits ? await getResponse(bits.handlers, request) : undefined;
    return answer ?? new HttpResponse('not a BITS request for this server\n', { status: 404 });
  });
  const wire = await startWireServer({
    handlers: [fallback],
    port,
    onRequest(info: WireRequestInfo) {
      const entries = bits?.ledger.entries ?? [];
      if (entries.length > printed) {
        for (const e of entries.slice(printed)) write(requestLine(e, Date.now() - started));
        printed = entries.length;
      } else {
        write(`[${((Date.now() - started) / 1000).toFixed(3)} s] ${info.method || '(unparsable request)'} ${info.url} => ${info.status}${info.error ? ` (${info.error})` : ' (not a BITS packet: no BITS-Packet-Type, or another path)'}`);
      }
    },
    onError(error) {
      write(`server error: ${error.message}`);
    },
  }).catch((error: NodeJS.ErrnoException) => {
    throw new OptionError(`cannot listen on 127.0.0.1:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`);
  });
  bits = createBitsServer({ origin: wire.url, application, relay, now: () => Date.now() - started });

  const url = `${wire.url}/upload/file.bin`;
  write(`BITS server on ${wire.url} (relay ${relay}); the server application ${describeScript(script)}`);
  write(`upload to any path under it, e.g. ${url}`);
  write(`try: curl -i -X BITS_POST -H 'BITS-Packet-Type: Create-Session' -H 'BITS-Supported-Protocols: ${BITS_PROTOCOL_GUID}' -H 'Content-Length: 0' ${url}`);
  write('Ctrl-C stops it.');

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await wire.close();
  write(`stopped: ${bits.ledger.entries.length} request(s), ${application.received.length} post(s) to the application`);
  return 0;
}
