// Building Acks. Always msw's HttpResponse: the native Response throws for 204/205/304 with a body and
// msw would silently turn that into a 500 (architecture notes).
import { HttpResponse } from 'msw';
import { errorCodeFor } from '../rules/index.js';
import { HEADER, WIRE_CONTEXT, formatHresult } from '../protocol/index.js';
import type { RelayForm } from './relay-forms.js';

/** The header that carries the HRESULT in a relay form: RELAY-ALT-HEADER uses MC-BUP's BITS-Error. */
export function errorHeaderFor(form: RelayForm): string {
  return form === 'alt-header' ? HEADER.errorCodeAlt : HEADER.errorCode;
}

export function ack(status: number, headers: Record<string, string> = {}): Response {
  return new HttpResponse(null, {
    status,
    headers: { [HEADER.packetType]: 'Ack', [HEADER.contentLength]: '0', ...headers },
  });
}

/** An error the BITS server raises itself: context 0x5 ([MC-BUP] 2.2.1.2). */
export function serverError(form: RelayForm, status: number, code: number | undefined, headers: Record<string, string> = {}): Response {
  return ack(status, {
    ...(code === undefined ? {} : { [errorHeaderFor(form)]: formatHresult(code) }),
    [HEADER.errorContext]: `0x${WIRE_CONTEXT.server.toString(16)}`,
    ...headers,
  });
}

/**
 * The Ack that relays an application status S that is not 200: RELAY-MIRROR sends S itself,
 * RELAY-1XX sends 500 for a 1xx (not a final HTTP status); both carry 0x80190000+S and context 0x7.
 */
export function applicationErrorAck(form: RelayForm, status: number): Response {
  return ack(status < 200 ? 500 : status, {
    [errorHeaderFor(form)]: formatHresult(errorCodeFor(status)),
    [HEADER.errorContext]: `0x${WIRE_CONTEXT.application.toString(16)}`,
  });
}
