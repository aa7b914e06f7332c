// Work an in-process client hands off the main thread: fs calls, crypto jobs (WebCrypto, randomBytes,
// scrypt) and DNS lookups run on libuv's thread pool or resolver and call back in real time. The clock
// counts a client idle after some event-loop hops with nothing happening; a client hashing each fragment
// with WebCrypto or writing a checkpoint before it was still working then, and virtual time ran on
// under it (381 cases failed a correct client that way). Node has no public count of such requests:
// async_hooks sees each one start (init) and its callback run (before).
//
// Not seen: worker threads, child processes and zlib streams. A client that waits on those belongs out of
// process (`--client-cmd`), on the wall clock.
import { createHook, type AsyncHook } from 'node:async_hooks';

/**
 * Requests that run off the main thread and call back once: fs, DNS, and every crypto job (`HASHREQUEST`,
 * `SCRYPTREQUEST`, ...). Not node:http's HTTPCLIENTREQUEST: a resource of JavaScript's own, which the
 * transport already counts in flight.
 */
const OFF_THREAD = /^(FSREQCALLBACK|FSREQPROMISE|FILEHANDLECLOSEREQ|GETADDRINFOREQWRAP|GETNAMEINFOREQWRAP|QUERYWRAP)$|^(?!HTTP)\w+REQUEST$/;

interface Started {
  type: string;
  resource: object;
}

class OffThreadWork {
  private readonly started = new Map<number, Started>();
  /**
   * The callbacks' hook. A before or destroy hook turns promise hooks on for every promise (measured: about
   * 14% of a fetch client's case), so it is enabled only while a request is outstanding; the init hook
   * alone costs nothing measurable. It is enabled inside init, so no callback can run before it listens.
   */
  private readonly completions: AsyncHook = createHook({ before: (id) => this.finished(id), destroy: (id) => this.finished(id) });
  private listening = false;

  constructor() {
    createHook({
      init: (id, type, _trigger, resource) => {
        // Called for every promise the process makes: those go first, without the pattern.
        if (type === 'PROMISE' || !OFF_THREAD.test(type)) return;
        this.started.set(id, { type, resource });
        if (!this.listening) {
          this.listening = true;
          this.completions.enable();
        }
      },
    }).enable();
  }

  private finished(id: number): void {
    this.started.delete(id);
  }

  /** Requests started and not yet called back. Call it in a later turn than the client's code ran in. */
  pending(): number {
    for (const [id, { type, resource }] of this.started) {
      // A crypto job run synchronously (randomUUID, pbkdf2Sync, randomFillSync) is one too, but it never
      // calls back: it returned before this turn. Only an asynchronous job is given `ondone`, before it runs.
      if (type.endsWith('REQUEST') && typeof (resource as { ondone?: unknown }).ondone !== 'function') this.started.delete(id);
    }
    if (this.started.size === 0 && this.listening) {
      this.listening = false;
      this.completions.disable();
    }
    return this.started.size;
  }
}

let work: OffThreadWork | undefined;

/** This process's watch on off-thread work, started on first use. */
export function offThreadWork(): { pending(): number } {
  return (work ??= new OffThreadWork());
}
