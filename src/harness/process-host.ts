// The other side of the process protocol: serves an in-process client (the contract's default export)
// as a bits-conformance/1 process, so it can be tested over real TCP. Useful for JavaScript clients
// whose HTTP stack msw cannot intercept (the undici package), and to run the reference client over TCP.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { formatHresult } from '../protocol/index.js';
import type { ClientUnderTest, Job, JobError } from './contract.js';
import { PROCESS_PROTOCOL } from './process-client.js';

type Command = { id: number; cmd: string; job?: string; [field: string]: unknown };

const wireError = (error: JobError | null) => (error ? { context: error.context, code: formatHresult(error.code) } : null);

/** One client served over the process protocol: its jobs by id, and the lines it writes. */
class ClientHost {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly client: ClientUnderTest, private readonly output: Writable) {}

  say(message: object): void {
    this.output.write(`${JSON.stringify(message)}\n`);
  }

  private jobOf(command: Command): Job {
    const job = command.job === undefined ? undefined : this.jobs.get(command.job);
    if (!job) throw new Error(`no job ${JSON.stringify(command.job)}`);
    return job;
  }

  // The contract has no state callback, so the host watches each job closely (it is local and cheap)
  // and pushes a state event on every change: the suite's timeline is then exact, with no polling.
  private watch(id: string, job: Job): void {
    let last = '';
    const timer = setInterval(() => {
      const state = job.getState();
      const error = wireError(job.getError());
      const now = JSON.stringify([state, error]);
      if (now !== last) this.say({ event: 'state', job: id, state, error });
      last = now;
      if (state === 'ACKNOWLEDGED' || state === 'CANCELLED') clearInterval(timer);
    }, 5);
    timer.unref();
  }

  private async create(command: Command): Promise<object> {
    const payload = new Uint8Array(await readFile(String(command.payloadFile)));
    const job = await this.client.createJob({
      url: String(command.url),
      payload,
      type: command.type === 'upload-reply' ? 'upload-reply' : 'upload',
      minimumRetryDelayMs: Number(command.minimumRetryDelayMs),
      noProgressTimeoutMs: Number(command.noProgressTimeoutMs),
    });
    this.jobs.set(String(command.job), job);
    this.watch(String(command.job), job);
    return {};
  }

  async handle(command: Command): Promise<object> {
    switch (command.cmd) {
      case 'hello':
        if (command.protocol !== PROCESS_PROTOCOL) throw new Error(`this host speaks ${PROCESS_PROTOCOL}`);
        return { name: this.client.name, version: this.client.version, capabilities: { uploadReply: this.client.capabilities?.uploadReply === true, events: true } };
      case 'create':
        return this.create(command);
      case 'resume':
      case 'suspend':
      case 'cancel':
      case 'complete':
        await this.jobOf(command)[command.cmd]();
        return {};
      case 'state': {
        const job = this.jobOf(command);
        return { state: job.getState(), error: wireError(job.getError()) };
      }
      case 'reply': {
        const reply = this.jobOf(command).getReply?.() ?? null;
        return { reply: reply ? Buffer.from(reply).toString('base64') : null };
      }
      case 'shutdown':
        return {};
      default:
        throw new Error(`unknown command ${JSON.stringify(command.cmd)}`);
    }
  }
}

/** Answers commands from `input` on `output` until `shutdown` or the end of input. */
export async function hostClient(client: ClientUnderTest, input: Readable = process.stdin, output: Writable = process.stdout): Promise<void> {
  const host = new ClientHost(client, output);
  for await (const line of createInterface({ input })) {
    if (!line.trim()) continue;
    const command = JSON.parse(line) as Command;
    // Commands are answered as they finish: a slow one never holds up the others.
    void host.handle(command).then(
      (fields) => {
        host.say({ id: command.id, ok: true, ...fields });
        if (command.cmd === 'shutdown') process.exit(0);
      },
      (error: unknown) => host.say({ id: command.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  }
}
