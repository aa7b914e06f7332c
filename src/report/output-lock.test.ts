// One run at a time per report folder: a live holder refuses the next run with one line; a holder that
// is gone (a real process that has exited) leaves a stale lock that is taken over; stale temporaries go.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { removeStaleTemporaries } from './files.js';
import { LOCK_FILE, lockOutputs, OutputLockError } from './output-lock.js';
import { parseFormats, writeOutputs } from './publish.js';
import { sealReport } from './sign.js';
import { makeRecord, makeReport } from './test-support.js';

const temp = () => mkdtemp(join(tmpdir(), 'bits-lock-'));
const holder = (pid: number, host = hostname()) => `${JSON.stringify({ pid, host, since: '2026-01-02T03:04:05.000Z' })}\n`;

describe('the report folder lock', () => {
  test('a second taker is refused while the first holds it; released, the folder is free again', async () => {
    const dir = await temp();
    const first = await lockOutputs(dir);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await expect(lockOutputs(dir)).rejects.toThrow(new RegExp(`^another run \\(pid ${process.pid}, since .*\\) is writing reports into ${dir}; wait for it or give another --out`));
    await expect(lockOutputs(dir)).rejects.toBeInstanceOf(OutputLockError);
    await first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await (await lockOutputs(dir)).release();
  });

  test('a lock held by another live process refuses; one whose process has exited is stale and taken over', async () => {
    const dir = await temp();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      await writeFile(join(dir, LOCK_FILE), holder(live.pid!));
      await expect(lockOutputs(dir)).rejects.toThrow(`another run (pid ${live.pid}, since 2026-01-02T03:04:05.000Z)`);
      await writeFile(join(dir, LOCK_FILE), holder(live.pid!, 'another-machine'));
      await expect(lockOutputs(dir)).rejects.toThrow(`another run (pid ${live.pid} on another-machine,`);
    } finally {
      live.kill('SIGKILL');
    }
    const gone = spawnSync(process.execPath, ['-e', '0']).pid; // has exited by now
    await writeFile(join(dir, LOCK_FILE), holder(gone));
    const lock = await lockOutputs(dir);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(await readdir(dir)).toEqual([]); // nothing set aside is left
  });

  test('release leaves a lock that is no longer its own', async () => {
    const dir = await temp();
    const lock = await lockOutputs(dir);
    await writeFile(join(dir, LOCK_FILE), holder(1));
    await lock.release();
    lock.releaseSync();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });
});

describe('temporaries of a writer killed mid-write', () => {
  test('are removed; the report files and other files are not', async () => {
    const dir = await temp();
    const stale = ['.conformance.json.4242.0badc0de.tmp', '.junit.xml.77.12345678.tmp', '.summary.md.1.abcdef01.tmp'];
    for (const name of [...stale, 'notes.txt', 'conformance.json']) await writeFile(join(dir, name), 'x');
    expect((await removeStaleTemporaries(dir)).sort()).toEqual([...stale].sort());
    expect((await readdir(dir)).sort()).toEqual(['conformance.json', 'notes.txt']);
  });

  test('every file of a set carries the run id', async () => {
    const dir = await temp();
    const report = sealReport({ ...makeReport([makeRecord()]), runId: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    const files = await writeOutputs(report, dir, parseFormats(undefined), {});
    for (const file of Object.values(files)) expect(await readFile(file, 'utf8')).toContain('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
