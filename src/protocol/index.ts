// MC-BUP vocabulary: the method, packet types, header names, the protocol GUID, and the parse/format
// of the few header values both ends read (Content-Range, BITS-Received-Content-Range, HRESULTs).

export const BITS_METHOD = 'BITS_POST';

/** The only upload protocol MC-BUP defines (2.2.2 BITS-Supported-Protocols). */
export const BITS_PROTOCOL_GUID = '{7df0354d-249b-430f-820d-3d2a9bef4931}';

export const PACKET_TYPES = ['Ping', 'Create-Session', 'Fragment', 'Close-Session', 'Cancel-Session', 'Ack'] as const;
export type PacketType = (typeof PACKET_TYPES)[number];

export const HEADER = {
  packetType: 'BITS-Packet-Type',
  supportedProtocols: 'BITS-Supported-Protocols',
  protocol: 'BITS-Protocol',
  sessionId: 'BITS-Session-Id',
  receivedContentRange: 'BITS-Received-Content-Range',
  errorCode: 'BITS-Error-Code',
  errorCodeAlt: 'BITS-Error',
  errorContext: 'BITS-Error-Context',
  replyUrl: 'BITS-Reply-URL',
  hostId: 'BITS-Host-Id',
  contentRange: 'Content-Range',
  contentName: 'Content-Name',
  contentLength: 'Content-Length',
} as const;

/** HRESULTs the BITS server raises itself ([MC-BUP] 2.2.1.2). */
export const HRESULT = {
  BG_E_SESSION_NOT_FOUND: 0x8020001f,
  BG_E_FRAGMENT_TOO_LARGE: 0x80200020,
  BG_E_INVALID_SERVER_RESPONSE: 0x8020002b,
  E_ACCESSDENIED: 0x80070005,
  E_INVALIDARG: 0x80070057,
  ERROR_INTERNET_CONNECTION_ABORTED: 0x80072efe,
} as const;

/** BITS-Error-Context values on the wire: the server's own errors (0x5) and the application's (0x7). */
export const WIRE_CONTEXT = { server: 0x5, application: 0x7 } as const;

/** Packet types compare case-insensitively: MC-BUP writes CREATE-SESSION, Windows sends Create-Session. */
export function parsePacketType(value: string | null | undefined): PacketType | undefined {
  if (!value) return undefined;
  const wanted = value.trim().toLowerCase();
  return PACKET_TYPES.find((t) => t.toLowerCase() === wanted);
}

/** Splits BITS-Supported-Protocols (space or comma separated) and tells whether ours is offered. */
export function offersBitsProtocol(value: string | null | undefined): boolean {
  return (value ?? '')
    .split(/[\s,]+/)
    .some((guid) => guid.toLowerCase() === BITS_PROTOCOL_GUID);
}

export interface ContentRange {
  first: number;
  last: number;
  total: number;
}

const CONTENT_RANGE = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/;

/** `bytes a-b/total`, with a <= b < total; anything else is undefined. */
export function parseContentRange(value: string | null | undefined): ContentRange | undefined {
  const m = CONTENT_RANGE.exec((value ?? '').trim());
  if (!m) return undefined;
  const [first, last, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (first > last || last >= total) return undefined;
  return { first, last, total };
}

export function formatContentRange({ first, last, total }: ContentRange): string {
  return `bytes ${first}-${last}/${total}`;
}

/** BITS-Received-Content-Range is a single offset: the next byte the client must send. */
export function parseReceivedRange(value: string | null | undefined): number | undefined {
  const text = (value ?? '').trim();
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

/** An HRESULT in hex, with or without 0x, any case; returned unsigned. */
export function parseHresult(value: string | null | undefined): number | undefined {
  const m = /^(?:0x)?([0-9a-f]{1,8})$/i.exec((value ?? '').trim());
  return m ? Number.parseInt(m[1]!, 16) >>> 0 : undefined;
}

export function formatHresult(code: number): string {
  return `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

export interface WireError {
  code?: number;
  context?: number;
}

/** Reads the error of an Ack; a client must accept both BITS-Error-Code and BITS-Error. */
export function readWireError(headers: Headers): WireError {
  const code = parseHresult(headers.get(HEADER.errorCode) ?? headers.get(HEADER.errorCodeAlt));
  const context = parseHresult(headers.get(HEADER.errorContext));
  return { ...(code === undefined ? {} : { code }), ...(context === undefined ? {} : { context }) };
}

/** Facility HTTP (0x19) with the severity bit: the error code carries an HTTP status in its low word. */
export function httpStatusOfHresult(code: number): number | undefined {
  return (code >>> 16) === 0x8019 ? code & 0xffff : undefined;
}
