// The process protocol against real child processes: good and bad lines, a crash, a hang.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { compileAssert } from '../schema/ajv.js';
import { statusMatrixCases } from './cases.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_STARTUP_TIMEOUT_MS, MAX_LINE_LENGTH, ProcessClient, ProcessClientError, processClientLimits } from './process-client.js';
import messageSchema from './schemas/process-message.schema.json' with { type: 'json' };
import commandSchema from './schemas/process-command.schema.json' with { type: 'json' };

const misbehaving = (mode: string) => `node fixtures/process-clients/misbehaving.mjs ${mode}`;
const options = { url: 'http://127.0.0.1:9/case-1/upload/x.bin', payload: new Uint8Array(10), type: 'upload' as const, minimumRetryDelayMs: 200, noProgressTimeoutMs: 2000 };

const started: ProcessClient[] = [];
async function start(mode: string, commandTimeoutMs = 5_000): Promise<ProcessClient> {
  const client = await ProcessClient.start(misbehaving(mode), { commandTimeoutMs });
  started.push(client);
  return client;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.close()));
});

function processesRunning(mode: string): number {
  return processesWith(`misbehaving.mjs ${mode}`);
}

function processesWith(text: string): number {
  try {
    return execFileSync('pgrep', ['-f', text]).toString().trim().split('\n').filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

describe('the published schemas', () => {
  const message = compileAssert(messageSchema, 'message');
  const command = compileAssert(commandSchema, 'command');

  test('good lines in both directions validate', () => {
    for (const line of [
      { id: 1, ok: true, name: 'x', version: '1' },
      { id: 2, ok: true, state: 'TRANSIENT_ERROR', error: { context: 7, code: '0x801901F7' } },
      { id: 3, ok: false, error: 'no such job' },
      { event: 'state', job: 'j1', state: 'ERROR', error: { context: 7, code: '0x80190193' } },
    ]) expect(() => message(line)).not.toThrow();
    for (const line of [
      { id: 1, cmd: 'hello', protocol: 'bits-conformance/1' },
      { id: 2, cmd: 'create', job: 'j1', url: 'http://127.0.0.1:1/a', payloadFile: '/tmp/p', type: 'upload', minimumRetryDelayMs: 200, noProgressTimeoutMs: 2000 },
      { id: 3, cmd: 'resume', job: 'j1' },
      { id: 4, cmd: 'shutdown' },
    ]) expect(() => command(line)).not.toThrow();
  });

  test('bad lines are refused with the path and keyword', () => {
    expect(() => message({ event: 'state', job: 'j1', state: 'DONE' })).toThrow(/must be equal to one of the allowed values/);
    expect(() => message({ id: 0, ok: true })).toThrow(/must be >= 1/);
    expect(() => command({ id: 1, cmd: 'create', job: 'j1' })).toThrow(/must have required property/);
  });
});

describe('a client process', () => {
  test('shakes hands and answers commands', async () => {
    const client = await start('good');
    expect([client.name, client.version]).toEqual(['misbehaving', 'good']);
    const job = await client.createJob(options);
    await job.resume();
    expect(job.getState()).toBe('SUSPENDED');
  });

  test('a hello without a version fails the handshake with the schema path', async () => {
    await expect(ProcessClient.start(misbehaving('bad-hello'))).rejects.toThrow(/failed the hello handshake: the answer to `hello` violates the process-protocol schema: \/ must have required property 'version' \(keyword required\)/);
  });

  test('an answer that breaks the schema names the message and the keyword', async () => {
    const client = await start('bad-state');
    const job = await client.createJob(options);
    await expect(job.resume()).rejects.toThrow(/the answer to `state` violates the process-protocol schema: \/state must be equal to one of the allowed values \(keyword enum\)/);
  });

  test('a line that is not JSON fails the waiting command', async () => {
    const client = await start('not-json');
    const job = await client.createJob(options);
    await expect(job.resume()).rejects.toThrow('the client wrote a line that is not JSON: "state? what state?"');
  });

  test('a refusal is reported with the client\'s words', async () => {
    const client = await start('refuse');
    await expect(client.createJob(options)).rejects.toThrow('the client refused `create`: no jobs today');
  });

  test('a crash fails the command in flight and every later one, with the exit code and stderr', async () => {
    const client = await start('crash');
    const job = await client.createJob(options);
    await expect(job.resume()).rejects.toThrow(/the client process exited \(code 3\) \(stderr: fatal: simulated crash in resume\)/);
    await expect(client.createJob(options)).rejects.toThrow(ProcessClientError);
    expect(client.deadReason).toContain('code 3');
  });

  test('a client that does not answer in time fails that command; close leaves no process behind', async () => {
    const client = await start('hang', 1_000);
    const job = await client.createJob(options);
    await expect(job.resume()).rejects.toThrow('the client did not answer `resume` within 1000 ms');
    expect(processesRunning('hang')).toBeGreaterThan(0); // the shell and the client
    await client.close();
    expect(processesRunning('hang')).toBe(0);
  });

  test('hello has a start-up allowance of its own, longer than a command answer', async () => {
    expect(DEFAULT_STARTUP_TIMEOUT_MS).toBeGreaterThan(DEFAULT_COMMAND_TIMEOUT_MS);
    // docs/process-protocol.md: 5 s a command, 30 s for hello; `--timeout-multiplier 3` makes the first 15 s.
    expect(processClientLimits()).toEqual({ commandTimeoutMs: 5_000, startupTimeoutMs: 30_000 });
    expect(processClientLimits(3)).toEqual({ commandTimeoutMs: 15_000, startupTimeoutMs: 90_000 });
    // Answers hello after 1.5 s: past the 500 ms a command gets, within the start-up allowance.
    const slow = await start('slow-start', 500);
    expect(slow.version).toBe('slow-start');
    await expect(ProcessClient.start(misbehaving('silent'), { commandTimeoutMs: 60_000, startupTimeoutMs: 1_000 })).rejects.toThrow(
      'failed the hello handshake: the client did not answer `hello` within 1000 ms',
    );
    expect(processesRunning('silent')).toBe(0);
  });

  test('a line that never ends breaks the hello handshake at 1 MiB, not the suite', async () => {
    expect(MAX_LINE_LENGTH).toBe(1024 * 1024);
    await expect(ProcessClient.start(misbehaving('endless-hello'))).rejects.toThrow(/failed the hello handshake: the client wrote a line longer than 1048576 characters \(1 MiB\) without a newline: that breaks the protocol/);
    expect(processesRunning('endless-hello')).toBe(0);
  });

  test('a line that never ends during the cases fails the command and leaves the client dead', async () => {
    const client = await start('endless-state');
    const job = await client.createJob(options);
    await expect(job.resume()).rejects.toThrow(/the client wrote a line longer than 1048576 characters/);
    expect(client.deadReason).toMatch(/longer than 1048576 characters/);
    await expect(client.createJob(options)).rejects.toThrow(ProcessClientError);
    await new Promise((r) => setTimeout(r, 300));
    expect(processesRunning('endless-state')).toBe(0); // its group was killed at once
  });

  test.for(['ignores-shutdown', 'spawns-children'])('close() leaves no process of a client that %s', async (mode) => {
    const folder = mkdtempSync(join(tmpdir(), `bits-lingering-${mode}-`));
    const client = await ProcessClient.start(`node fixtures/process-clients/lingering.mjs ${mode} ${folder}`);
    const job = await client.createJob(options);
    await job.resume(); // the reference client behind it runs the job (to a server that is not there)
    expect(existsSync(join(folder, 'running'))).toBe(true);
    expect(processesWith(folder)).toBeGreaterThanOrEqual(mode === 'spawns-children' ? 5 : 3); // the shell, the client, its host, its children
    await client.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(processesWith(folder)).toBe(0);
  });

  test('a command that cannot run is a clear error', async () => {
    await expect(ProcessClient.start('definitely-not-a-command-here')).rejects.toThrow(/failed the hello handshake: the client process exited \(code 127\)/);
  });
});

test('the cases a process client gets use short delays and a stated tolerance', () => {
  const [c] = statusMatrixCases({ from: 503, to: 503, relays: ['mirror'], jobTypes: ['upload'], timing: { minimumRetryDelayMs: 200, noProgressTimeoutMs: 2000, toleranceMs: 50 } });
  expect(c!.timing).toEqual({ minimumRetryDelayMs: 200, noProgressTimeoutMs: 2000, toleranceMs: 50 });
});
