// The scripted server application: the BITS server posts the finished file here, and it answers with
// the next status of its script. Past the end of the script it repeats the last status.

export interface Notification {
  sessionId: string;
  url: string;
  file: Uint8Array;
}

export interface ApplicationAnswer {
  status: number;
  /** The reply an upload-reply job downloads; present on every success. */
  reply?: Uint8Array;
}

export interface ServerApplication {
  notify(notification: Notification): ApplicationAnswer;
}

export class ScriptedApplication implements ServerApplication {
  private answered = 0;
  /** The posts received, in order (the latest `history` of them). */
  readonly received: Notification[] = [];
  /** The replies given, in order (one per successful post; the latest `history` of them). */
  readonly replies: Uint8Array[] = [];
  private readonly history: number;

  /** @param options.history Posts and replies remembered (a long-running server keeps few); default all. */
  constructor(
    private readonly script: readonly number[],
    options: { history?: number } = {},
  ) {
    if (script.length === 0) throw new Error('a scripted application needs at least one status');
    this.history = options.history ?? Infinity;
  }

  /** Posts answered since the start, remembered or not. */
  get posts(): number {
    return this.answered;
  }

  notify(notification: Notification): ApplicationAnswer {
    remember(this.received, notification, this.history);
    const status = this.script[Math.min(this.answered, this.script.length - 1)]!;
    this.answered += 1;
    if (status !== 200) return { status };
    const reply = ScriptedApplication.replyFor(notification, this.answered);
    remember(this.replies, reply, this.history);
    return { status, reply };
  }

  /** The reply body for the n-th notification: small, and different per notification and session. */
  static replyFor(notification: Notification, n: number): Uint8Array {
    return new TextEncoder().encode(`reply ${n} to ${notification.sessionId} (${notification.file.byteLength} bytes)`);
  }
}

function remember<T>(list: T[], item: T, history: number): void {
  list.push(item);
  if (list.length > history) list.shift();
}
