// A client in any language: a command the suite starts once, speaking bits-conformance/1 as JSON
// lines on its stdin/stdout (docs/process-protocol.md). Every line it writes is validated against the
// published schemas; a violation, a silence or a crash becomes an `error` for the affected cases.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import split2 from 'split2';
import { createAjv } from '../schema/ajv.js';
import { ClientFault, type ClientCapabilities, type ClientDiagnostics, type HarnessClient, type JobError, type JobOptions, type JobState, type ObservedJob } from './contract.js';
import { adoptGroup, killGroup, releaseGroup } from './process-groups.js';
import commandSchema from './schemas/process-command.schema.json' with { type: 'json' };
import messageSchema from './schemas/process-message.schema.json' with { type: 'json' };

export const PROCESS_PROTOCOL = 'bits-conformance/1';

/** How long the client may take to answer one command. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
/**
 * How long the client may take to answer `hello`: that answer waits on the program's start-up (a JVM, a
 * TypeScript compile, a Python interpreter importing its packages), which on a loaded CI machine takes
 * seconds more than answering a command does.
 */
export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;
/** How much of the client's stderr is kept for the report. */
const STDERR_KEPT = 16 * 1024;
/**
 * The longest line the client may write (in characters). A message is a few hundred; without a cap a
 * line that never ends grows in memory until the suite itself dies.
 */
export const MAX_LINE_LENGTH = 1024 * 1024;

type Command = 'hello' | 'create' | 'resume' | 'suspend' | 'cancel' | 'complete' | 'state' | 'reply' | 'shutdown';
const ANSWER_SCHEMA: Record<Command, 'hello' | 'done' | 'state' | 'reply'> = {
  hello: 'hello', create: 'done', resume: 'done', suspend: 'done', cancel: 'done', complete: 'done', shutdown: 'done', state: 'state', reply: 'reply',
};

/** The client broke the process protocol, went silent, or died: never a pass, never a plain fail. */
export class ProcessClientError extends ClientFault {}

interface WireJobError {
  context: number;
  code: string;
}
type Answer = { id: number; ok: true; state?: JobState; error?: WireJobError | null; reply?: string | null; name?: string; version?: string; capabilities?: ClientCapabilities & { events?: boolean } };

interface Pending {
  cmd: Command;
  resolve(answer: Answer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

let validators: { message: ValidateFunction; command: ValidateFunction; answers: Record<string, ValidateFunction> } | undefined;
function schemaValidators() {
  if (validators) return validators;
  const ajv = createAjv();
  ajv.addSchema(messageSchema);
  const answer = (name: string) => ajv.getSchema(`${messageSchema.$id}#/$defs/answers/${name}`)!;
  validators = {
    message: ajv.getSchema(messageSchema.$id)!,
    command: ajv.compile(commandSchema),
    answers: { hello: answer('hello'), done: answer('done'), state: answer('state'), reply: answer('reply') },
  };
  return validators;
}

function violation(what: string, errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  return `${what} violates the process-protocol schema: ${e ? `${e.instancePath || '/'} ${e.message} (keyword ${e.keyword})` : 'invalid'}`;
}

export function parseWireError(error: WireJobError | null | undefined): JobError | null {
  return error ? { context: error.context, code: Number.parseInt(error.code, 16) >>> 0 } : null;
}

/** The client's answer and start-up limits, scaled by --timeout-multiplier (the CLI's probe and the worker use the same). */
export function processClientLimits(multiplier = 1): { commandTimeoutMs: number; startupTimeoutMs: number } {
  return { commandTimeoutMs: Math.round(DEFAULT_COMMAND_TIMEOUT_MS * multiplier), startupTimeoutMs: Math.round(DEFAULT_STARTUP_TIMEOUT_MS * multiplier) };
}

export interface ProcessClientOptions {
  commandTimeoutMs?: number;
  /** How long the `hello` handshake may take, start-up included. */
  startupTimeoutMs?: number;
  cwd?: string;
  /** A file the client's process group id is appended to, so that another process can kill it too. */
  groupsFile?: string;
}

export class ProcessClient implements HarnessClient {
  name = '';
  version = '';
  capabilities: ClientCapabilities = {};
  /** The client pushes a state event on every change (it said `events: true`, or it has sent one). */
  pushesEvents = false;
  /** Why the process can no longer be used (it exited, or broke the protocol beyond repair). */
  deadReason: string | undefined;
  readonly diagnostics: ClientDiagnostics = { stderr: () => this.stderr(), deadReason: () => this.deadReason };

  private nextId = 1;
  private nextJob = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly jobs = new Map<string, RemoteJob>();
  private stderrTail = '';
  private readonly payloadDir = mkdtempSync(join(tmpdir(), 'bits-payloads-'));
  private readonly exited: Promise<void>;

  private constructor(readonly command: string, private readonly child: ChildProcessWithoutNullStreams, private readonly timeoutMs: number) {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEPT);
    });
    // split2 rather than readline: readline has no limit on a line's length.
    const lines = child.stdout.pipe(split2({ maxLength: MAX_LINE_LENGTH }));
    lines.on('data', (line: string) => this.onLine(line));
    lines.on('error', () => {
      child.stdout.destroy();
      this.die(`the client wrote a line longer than ${MAX_LINE_LENGTH} characters (1 MiB) without a newline: that breaks the protocol`);
      this.killGroup();
    });
    child.stdin.on('error', () => {}); // EPIPE after the client died: reported through `exit`
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.die(`the client process exited (${signal ? `signal ${signal}` : `code ${code}`})`);
        resolve();
      });
      child.on('error', (error) => {
        this.die(`the client process could not run: ${error.message}`);
        resolve();
      });
    });
  }

  /** Starts the command (through the shell, in its own process group) and shakes hands. */
  static async start(command: string, options: ProcessClientOptions = {}): Promise<ProcessClient> {
    const child = spawn(command, { shell: true, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const client = new ProcessClient(command, child, options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
    if (child.pid) adoptGroup(child.pid, { ...(options.groupsFile ? { recordFile: options.groupsFile } : {}), cleanup: () => client.removePayloads() });
    try {
      const hello = await client.send('hello', { protocol: PROCESS_PROTOCOL }, options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS);
      client.name = hello.name!;
      client.version = hello.version!;
      client.capabilities = { ...(hello.capabilities?.uploadReply !== undefined ? { uploadReply: hello.capabilities.uploadReply } : {}) };
      client.pushesEvents = hello.capabilities?.events === true;
    } catch (error) {
      await client.close();
      // A reason from the process's death carries its stderr already.
      const message = (error as Error).message;
      throw new ProcessClientError(`client command \`${command}\` failed the hello handshake: ${message}${message.includes(' (stderr: ') ? '' : client.stderrNote()}`);
    }
    return client;
  }

  /** The last lines the client wrote on stderr, for the report of a failed case. */
  stderr(): string {
    return this.stderrTail;
  }

  private stderrNote(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    return tail ? ` (stderr: ${tail})` : '';
  }

  async createJob(options: JobOptions): Promise<ObservedJob> {
    const id = `j${this.nextJob++}`;
    const payloadFile = join(this.payloadDir, `${id}.bin`);
    writeFileSync(payloadFile, options.payload);
    const job = new RemoteJob(this, id);
    this.jobs.set(id, job);
    await this.send('create', {
      job: id,
      url: options.url,
      payloadFile,
      type: options.type,
      minimumRetryDelayMs: options.minimumRetryDelayMs,
      noProgressTimeoutMs: options.noProgressTimeoutMs,
    });
    return job;
  }

  send(cmd: Command, fields: Record<string, unknown> = {}, timeoutMs = this.timeoutMs): Promise<Answer> {
    if (this.deadReason) return Promise.reject(new ProcessClientError(this.deadReason));
    const id = this.nextId++;
    const message = { id, cmd, ...fields };
    const v = schemaValidators().command;
    if (!v(message)) return Promise.reject(new Error(violation(`the suite's own \`${cmd}\``, v.errors))); // a harness bug
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ProcessClientError(`the client did not answer \`${cmd}\` within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { cmd, resolve, reject, timer });
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.protocolViolation(undefined, `the client wrote a line that is not JSON: ${JSON.stringify(line.slice(0, 120))}`);
      return;
    }
    const { message: validMessage, answers } = schemaValidators();
    const id = typeof (message as { id?: unknown }).id === 'number' ? (message as { id: number }).id : undefined;
    if (!validMessage(message)) {
      this.protocolViolation(id, violation(id === undefined ? 'a message' : `the answer to command ${id}`, validMessage.errors));
      return;
    }
    if ('event' in (message as object)) {
      const event = message as { job: string; state: JobState; error?: WireJobError | null };
      this.pushesEvents = true;
      this.jobs.get(event.job)?.pushed(event.state, event.error);
      return;
    }
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (!pending) return this.protocolViolation(undefined, `the client answered command ${id}, which is not waiting for an answer`);
    this.pending.delete(id!);
    clearTimeout(pending.timer);
    const answer = message as Answer | { ok: false; error: string };
    if (!answer.ok) return pending.reject(new ProcessClientError(`the client refused \`${pending.cmd}\`: ${answer.error}`));
    const specific = answers[ANSWER_SCHEMA[pending.cmd]]!;
    if (!specific(answer)) return pending.reject(new ProcessClientError(violation(`the answer to \`${pending.cmd}\``, specific.errors)));
    pending.resolve(answer);
  }

  /** A line that breaks the protocol: its command fails, or, if it names none, every waiting command. */
  private protocolViolation(id: number | undefined, reason: string): void {
    const targets = id !== undefined && this.pending.has(id) ? [id] : [...this.pending.keys()];
    for (const target of targets) {
      const pending = this.pending.get(target)!;
      this.pending.delete(target);
      clearTimeout(pending.timer);
      pending.reject(new ProcessClientError(reason));
    }
  }

  private die(reason: string): void {
    this.deadReason ??= `${reason}${this.stderrNote()}`;
    this.protocolViolation(undefined, this.deadReason);
  }

  /** Asks the client to shut down, then makes sure the whole process group is gone. */
  async close(): Promise<void> {
    if (!this.deadReason) {
      await this.send('shutdown').catch(() => undefined);
      this.child.stdin.end();
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 1_000).unref())]);
    }
    this.killGroup('SIGKILL');
    this.removePayloads();
    if (this.child.pid) releaseGroup(this.child.pid);
  }

  /** Kills the client's whole process group at once (process-groups.ts does it on any way out). */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.pid) killGroup(this.child.pid, signal);
  }

  removePayloads(): void {
    rmSync(this.payloadDir, { recursive: true, force: true });
  }
}

/** A job living in the client process; its state is mirrored from answers and pushed events. */
export class RemoteJob implements ObservedJob {
  private state: JobState = 'SUSPENDED';
  private error: JobError | null = null;
  private reply: Uint8Array | null = null;
  private listener: ((state: JobState, error: JobError | null) => void) | undefined;

  constructor(private readonly client: ProcessClient, readonly id: string) {}

  update(state: JobState, error: WireJobError | null | undefined): void {
    this.state = state;
    if (error !== undefined) this.error = parseWireError(error);
  }

  /** A state event: mirrored, and handed to the harness as it arrives, so none is lost between samples. */
  pushed(state: JobState, error: WireJobError | null | undefined): void {
    this.update(state, error);
    this.listener?.(this.state, this.error);
  }

  watch(listener: (state: JobState, error: JobError | null) => void): void {
    this.listener = listener;
  }

  private async command(cmd: 'resume' | 'suspend' | 'cancel' | 'complete'): Promise<void> {
    await this.client.send(cmd, { job: this.id });
    await this.refresh();
  }

  resume = () => this.command('resume');
  suspend = () => this.command('suspend');
  cancel = () => this.command('cancel');

  async complete(): Promise<void> {
    await this.command('complete');
    const answer = await this.client.send('reply', { job: this.id });
    this.reply = answer.reply ? new Uint8Array(Buffer.from(answer.reply, 'base64')) : null;
  }

  /**
   * Asks the client for the job's state now. A client that pushes events is never asked: an answer is a
   * snapshot that can be written after a newer event and would overwrite it; events alone are in order.
   */
  async refresh(): Promise<void> {
    if (this.client.pushesEvents) return;
    const answer = await this.client.send('state', { job: this.id });
    this.update(answer.state!, answer.error);
  }

  getState(): JobState {
    return this.state;
  }

  getError(): JobError | null {
    return this.error;
  }

  getReply(): Uint8Array | null {
    return this.reply;
  }
}
