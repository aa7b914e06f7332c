// The floors a run's requests are measured against. A case's requests are rebuilt from its ledger (the
// packet type, session id, Content-Range, the protocol offered and a body of the same length) and sent
// again in the same order:
// - getResponse: straight to msw's getResponse, on the same handlers (a BitsServerPool) with a server
//   built as the case's was (application script, relay form, faults, server setup); session ids the
//   server gives are mapped, so every packet lands where it landed in the run;
// - native: as a native Request whose body is read and a native Response with the status and headers
//   the server answered: what one round trip costs without msw at all.
// Both include building the Request and reading both bodies, as any transport must. A request has a
// body when the client's had one: a fetch client may send an empty body (a stream to undici, as costly
// as a full one), which the ledger's length alone cannot tell from none (`SentBodies`).
import { getResponse } from 'msw';
import { BITS_PROTOCOL_GUID, HEADER } from '../../src/protocol/index.js';
import type { ConformanceCase } from '../../src/harness/cases.js';
import { caseServerOptions } from '../../src/harness/run-case.js';
import { BitsServerPool, ScriptedApplication, type LedgerEntry } from '../../src/server/index.js';

export interface ReplayedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  bodyLength: number;
  /** Whether the client sent a body, empty or not. */
  withBody: boolean;
}

/**
 * Whether the client sent a request with a body, for each ledger entry of a case. Without word from the
 * client's side, a request had a body when it had bytes: what the wire reader hands the handlers.
 */
export type SentBodies = (e: LedgerEntry) => boolean;

export const bodyWhenBytes: SentBodies = (e) => e.bodyLength > 0;

const OTHER_PROTOCOL = '{11111111-1111-1111-1111-111111111111}';

/** A ledger entry as the request it recorded, its session id mapped through `sessions`. */
function rebuild(e: LedgerEntry, sessions: Map<string, string>, withBody: boolean): ReplayedRequest {
  const mapped = (id: string | undefined): string | undefined => (id === undefined ? undefined : (sessions.get(id.trim().toLowerCase()) ?? id));
  const headers: Record<string, string> = {};
  if (e.packetType !== 'GET' && e.packetType !== 'unknown') headers[HEADER.packetType] = e.packetType;
  const session = mapped(e.sessionId);
  if (session !== undefined && e.packetType !== 'GET') headers[HEADER.sessionId] = session;
  if (e.contentRange !== undefined) headers[HEADER.contentRange] = e.contentRange;
  if (e.offeredProtocol !== undefined) headers[HEADER.supportedProtocols] = e.offeredProtocol ? BITS_PROTOCOL_GUID : OTHER_PROTOCOL;
  let url = e.url;
  if (e.packetType === 'GET' && e.sessionId !== undefined) url = url.replace(encodeURIComponent(e.sessionId), encodeURIComponent(session ?? e.sessionId));
  return { method: e.method, url, headers, bodyLength: e.bodyLength, withBody: withBody && e.method !== 'GET' && e.method !== 'HEAD' };
}

function requestOf(r: ReplayedRequest): Request {
  return new Request(r.url, { method: r.method, headers: r.headers, ...(r.withBody ? { body: new Uint8Array(r.bodyLength) } : {}) });
}

/**
 * Replays one case's ledger through getResponse on a fresh server of the case in `pool` (one pool for a
 * whole run, as the worker has); returns the requests as sent.
 */
export async function replayThroughGetResponse(c: ConformanceCase, ledger: readonly LedgerEntry[], pool: BitsServerPool, sentBody: SentBodies = bodyWhenBytes): Promise<ReplayedRequest[]> {
  const origin = ledger[0] ? new URL(ledger[0].url).origin : 'http://replay.bits.test';
  const server = pool.open(caseServerOptions(c, origin, () => 0, new ScriptedApplication(c.script)));
  const sessions = new Map<string, string>();
  const sent: ReplayedRequest[] = [];
  try {
    for (const e of ledger) {
      const r = rebuild(e, sessions, sentBody(e));
      sent.push(r);
      const response = await getResponse(pool.handlers, requestOf(r));
      await response?.arrayBuffer();
      const given = response?.headers.get(HEADER.sessionId);
      if (e.packetType === 'Create-Session' && given && e.response?.sessionId) sessions.set(e.response.sessionId.toLowerCase(), given);
    }
  } finally {
    server.close();
  }
  return sent;
}

/** The same requests as native Request and Response objects, without msw: each body read, each answer built. */
export async function replayNative(requests: readonly ReplayedRequest[], statuses: readonly number[]): Promise<void> {
  for (let i = 0; i < requests.length; i++) {
    const request = requestOf(requests[i]!);
    await request.arrayBuffer();
    const status = statuses[i] ?? 200;
    const response = new Response(null, { status: status >= 200 && status <= 599 ? status : 500, headers: { [HEADER.packetType]: 'Ack', [HEADER.contentLength]: '0' } });
    await response.arrayBuffer();
  }
}
