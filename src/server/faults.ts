// Faults the BITS server plays on purpose, so protocol rules can be checked: each one answers the n-th
// packet of a type in a scripted way instead of the normal one. Plain data, kept on the case.
import type { PacketType } from '../protocol/index.js';

export type FaultAction =
  /** The server's own error: status, HRESULT (or none), context 0x5. */
  | { kind: 'server-error'; status: number; code?: number }
  /** The connection ends with no answer at all (before the server does anything with the request). */
  | { kind: 'drop' }
  /** The server lost the tail of what it had: it keeps half, and answers 416 with that offset (or, `received: 'none'`, with no offset at all). */
  | { kind: 'gap'; received?: 'none' }
  /** The server accepts the fragment but keeps only half of what it now has, and says so in the Ack. */
  | { kind: 'behind' }
  /** The server forgot the session: 500 with BG_E_SESSION_NOT_FOUND. */
  | { kind: 'forget-session' }
  /** A success Ack for the final fragment without BITS-Reply-URL. */
  | { kind: 'no-reply-url' }
  /** The server takes a non-final fragment but keeps none of it: the Ack names the offset it had before. */
  | { kind: 'stall' }
  /** The Ack to a non-final fragment (whose bytes the server keeps) has no BITS-Received-Content-Range, or one past the file. */
  | { kind: 'bad-ack'; received: 'none' | 'past-end' };

export interface Fault {
  packet: Extract<PacketType, 'Ping' | 'Create-Session' | 'Fragment' | 'Close-Session' | 'Cancel-Session'>;
  /** Which occurrence of that packet type, 1-based; without it, every one. */
  nth?: number;
  /** Count only Fragments that end the file (the final fragment, first sent or re-sent). */
  final?: boolean;
  action: FaultAction;
}

/** Hands out the scripted fault for each packet as it arrives. */
export class FaultScript {
  private readonly seen = new Map<string, number>();

  constructor(private readonly faults: readonly Fault[] = []) {}

  take(packet: PacketType, final = false): FaultAction | undefined {
    const count = (key: string): number => {
      const n = (this.seen.get(key) ?? 0) + 1;
      this.seen.set(key, n);
      return n;
    };
    const n = count(packet);
    const nFinal = final ? count(`${packet}:final`) : 0;
    return this.faults.find((f) => f.packet === packet && (f.final ? final && (f.nth === undefined || f.nth === nFinal) : f.nth === undefined || f.nth === n))
      ?.action;
  }
}

export function describeFault(action: FaultAction): string {
  switch (action.kind) {
    case 'server-error':
      return `server error ${action.status}${action.code === undefined ? '' : ` 0x${action.code.toString(16).toUpperCase()}`}`;
    case 'bad-ack':
      return `bad Ack (received range ${action.received})`;
    default:
      return action.kind;
  }
}
