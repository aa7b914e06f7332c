// The packets themselves, read from the ledger of any case: PKT-CREATE, PKT-SESSION, PKT-RANGE,
// PKT-RESUME-OFFSET, and, where the transport sees the request head, EMPTY-PACKET-LENGTH and
// CONNECTION-REUSE. These are about a packet's form: they blame no request as unwanted.
import { BITS_PROTOCOL_GUID } from '../../protocol/index.js';
import type { LedgerEntry } from '../../server/index.js';
import type { ConformanceCase } from '../cases.js';
import type { Observation } from '../observation.js';
import { firstOf, type Failure } from './failure.js';
import { sessionOf } from './timeline.js';

type Offence = { message: string };
const offence = (message: string): Offence => ({ message });

function createOffences(packets: LedgerEntry[]): Offence[] {
  const out: Offence[] = [];
  const first = packets.findIndex((e) => e.packetType === 'Fragment');
  if (first >= 0 && !packets.slice(0, first).some((e) => e.packetType === 'Create-Session')) out.push(offence(`request #${packets[first]!.seq}: a Fragment was sent before any Create-Session`));
  // The ledger records offeredProtocol for a Create-Session only.
  for (const e of packets) {
    if (e.offeredProtocol === false) out.push(offence(`request #${e.seq}: Create-Session did not offer ${BITS_PROTOCOL_GUID} in BITS-Supported-Protocols`));
  }
  return out;
}

function sessionOffences(packets: LedgerEntry[]): Offence[] {
  const out: Offence[] = [];
  for (const e of packets.filter((x) => ['Fragment', 'Close-Session', 'Cancel-Session'].includes(x.packetType))) {
    if (!e.sessionId) out.push(offence(`request #${e.seq}: a ${e.packetType} carried no BITS-Session-Id`));
    else if (e.sessionIssued === false) out.push(offence(`request #${e.seq}: a ${e.packetType} carried ${e.sessionId}, a session id the server never gave`));
  }
  return out;
}

/** PKT-RANGE (the header's form) and PKT-RESUME-OFFSET (each fragment starts where the server said). */
function fragmentOffences(c: ConformanceCase, packets: LedgerEntry[]): { range: Offence[]; resume: Offence[] } {
  const range: Offence[] = [];
  const resume: Offence[] = [];
  const told = new Map<string | undefined, number>();
  for (const e of packets.filter((x) => x.packetType === 'Fragment')) {
    if (!e.range) {
      range.push(offence(`request #${e.seq}: Content-Range ${JSON.stringify(e.contentRange ?? null)} is not "bytes a-b/total"`));
      continue;
    }
    const { first, last, total } = e.range;
    if (total !== c.payloadBytes) range.push(offence(`request #${e.seq}: Content-Range total ${total}, but the file has ${c.payloadBytes} bytes`));
    if (e.bodyLength !== last - first + 1) range.push(offence(`request #${e.seq}: ${e.bodyLength} bytes of body for a range of ${last - first + 1}`));
    if (first > (e.receivedBefore ?? Infinity)) range.push(offence(`request #${e.seq}: the fragment starts at ${first}, leaving a gap after the ${e.receivedBefore} bytes the server had`));
    const key = sessionOf(e);
    const next = told.get(key);
    if (next !== undefined && first !== next) resume.push(offence(`request #${e.seq}: the fragment starts at ${first}, but the server said to continue from ${next}${first === 0 ? ' (the whole file sent again from 0)' : ''}`));
    // An offset past the end of the file is no instruction a client could follow (PKT-ACK-INVALID judges it).
    const received = e.response?.receivedRange;
    if (received === undefined) continue;
    if (received <= c.payloadBytes) told.set(key, received);
    else told.delete(key);
  }
  return { range, resume };
}

const BODYLESS = ['Ping', 'Create-Session', 'Close-Session', 'Cancel-Session'];

/** EMPTY-PACKET-LENGTH, where the request head was seen. */
function lengthOffences(packets: LedgerEntry[]): Offence[] {
  return packets.filter((e) => BODYLESS.includes(e.packetType) && e.contentLengthSent === false).map((e) => offence(`request #${e.seq}: a ${e.packetType} without Content-Length: 0`));
}

/** CONNECTION-REUSE, over TCP: a new connection only after the old one broke, or for another host. */
function connectionOffences(o: Observation): Offence[] {
  const out: Offence[] = [];
  let previous: LedgerEntry | undefined;
  // In-process no request has a connection, so none is ever a new one.
  // The reply download is no BITS packet: a plain GET of BITS-Reply-URL (PKT-REPLY), a URL the server
  // chooses and which may name another server.
  for (const e of o.ledger.filter((x) => x.packetType !== 'GET')) {
    const sameHost = previous && new URL(previous.url).host === new URL(e.url).host;
    if (previous && sameHost && e.connection !== previous.connection && previous.response?.status !== 0) {
      out.push(offence(`request #${e.seq}: a ${e.packetType} came on a new connection, though the one request #${previous.seq} used was still open`));
    }
    previous = e;
  }
  return out;
}

export function checkWire(c: ConformanceCase, o: Observation): Failure[] {
  // Each check picks the packet types it is about; a reply GET is none of them.
  const packets = o.ledger;
  const { range, resume } = fragmentOffences(c, packets);
  return [
    ...firstOf('PKT-CREATE', createOffences(packets)),
    ...firstOf('PKT-SESSION', sessionOffences(packets)),
    ...firstOf('PKT-RANGE', range),
    ...firstOf('PKT-RESUME-OFFSET', resume),
    ...firstOf('EMPTY-PACKET-LENGTH', lengthOffences(packets)),
    ...firstOf('CONNECTION-REUSE', connectionOffences(o)),
  ];
}
