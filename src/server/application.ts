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
  readonly received: Notification[] = [];
  /** The replies given, in order (one per successful post). */
  readonly replies: Uint8Array[] = [];

  constructor(private readonly script: readonly number[]) {
    if (script.length === 0) throw new Error('a scripted application needs at least one status');
  }

  notify(notification: Notification): ApplicationAnswer {
    this.received.push(notification);
    const status = this.script[Math.min(this.answered, this.script.length - 1)]!;
    this.answered += 1;
    if (status !== 200) return { status };
    const reply = ScriptedApplication.replyFor(notification, this.answered);
    this.replies.push(reply);
    return { status, reply };
  }

  /** The reply body for the n-th notification: small, and different per notification and session. */
  static replyFor(notification: Notification, n: number): Uint8Array {
    return new TextEncoder().encode(`reply ${n} to ${notification.sessionId} (${notification.file.byteLength} bytes)`);
  }
}
