// What a long-running `serve` holds under a flood: its resident memory (RSS, after a forced GC) before
// and after, and how long it keeps idle half-sent heads. A measurement, run by hand; it asserts nothing.
//
//   npx tsx tools/bench/serve-flood.ts                       this checkout's `serve`
//   npx tsx tools/bench/serve-flood.ts --root <checkout>     another checkout's (e.g. an older commit's)
//
// `serve` runs in its own process (started as the CLI starts it, under tsx), with --expose-gc and a
// preloaded hook that runs a GC on SIGUSR2, so RSS is read from /proc after garbage is gone. The flood:
// 50,000 Create-Session (pipelined, 1,000 per connection) and 20 uploads of 8 MiB (each one Fragment,
// then Close-Session), then 4,000 connections that send half a request head and wait.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const GUID = '{7df0354d-249b-430f-820d-3d2a9bef4931}';
const MiB = 1024 * 1024;

interface Served {
  child: ChildProcess;
  host: string;
  port: number;
}

/** Starts `serve` from `root` with a GC hook; resolves once it prints its URL. */
async function startServe(root: string): Promise<Served> {
  const hook = join(mkdtempSync(join(tmpdir(), 'serve-flood-')), 'gc-hook.cjs');
  writeFileSync(hook, "process.on('SIGUSR2', () => globalThis.gc());\n");
  const child = spawn(process.execPath, ['--expose-gc', '--require', hook, '--import', 'tsx', 'src/cli/main.ts', 'serve'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((done, fail) => {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (out.length < 4096) out += chunk; // the banner; the per-request log is not kept
      const m = /BITS server on http:\/\/([\d.]+):(\d+)/.exec(out);
      if (m) done({ child, host: m[1]!, port: Number(m[2]) });
    });
    child.once('exit', (code) => fail(new Error(`serve exited (${code}) before listening: ${out}`)));
  });
}

/** RSS of the process in MB, after it ran a GC. */
async function rssAfterGc(pid: number): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 1_000));
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return Math.round(kb / 1024);
}

function post(host: string, port: number, type: string, headers: Record<string, string>, body: Buffer | string = ''): Buffer {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const head = `BITS_POST /upload/flood.bin HTTP/1.1\r\nHost: ${host}:${port}\r\nBITS-Packet-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1')]);
}

/** Writes the requests on one connection and resolves once `count` answers (status lines) came back. */
function pipeline(port: number, requests: Buffer, count: number, onText?: (text: string) => void): Promise<string> {
  return new Promise((done, fail) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(requests));
    let text = '';
    let seen = 0;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      seen += chunk.split('HTTP/1.1 ').length - 1;
      onText?.(text);
      if (seen >= count) {
        socket.destroy();
        done(text);
      }
    });
    socket.on('error', fail);
    socket.on('close', () => (seen >= count ? done(text) : fail(new Error(`connection closed after ${seen} of ${count} answers`))));
  });
}

async function createSessions(s: Served, total: number, perConnection: number): Promise<void> {
  const request = post(s.host, s.port, 'Create-Session', { 'BITS-Supported-Protocols': GUID });
  for (let sent = 0; sent < total; sent += perConnection * 10) {
    const batch = Array.from({ length: 10 }, () => pipeline(s.port, Buffer.concat(Array<Buffer>(perConnection).fill(request)), perConnection));
    await Promise.all(batch);
  }
}

async function upload(s: Served, bytes: number): Promise<void> {
  const text = await pipeline(s.port, post(s.host, s.port, 'Create-Session', { 'BITS-Supported-Protocols': GUID }), 1);
  const session = /bits-session-id: (\S+)/i.exec(text)![1]!;
  const file = Buffer.alloc(bytes, 7);
  const fragment = post(s.host, s.port, 'Fragment', { 'BITS-Session-Id': session, 'Content-Range': `bytes 0-${bytes - 1}/${bytes}` }, file);
  await pipeline(s.port, Buffer.concat([fragment, post(s.host, s.port, 'Close-Session', { 'BITS-Session-Id': session })]), 2);
}

/** Opens `n` connections that each send half a head; reports how many the server still holds over time. */
async function halfHeads(s: Served, n: number, watchMs: number): Promise<{ heldAfterOpen: number; rss: number; heldAt: Array<[number, number]> }> {
  const open = new Set<net.Socket>();
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((done) => {
        const socket = net.connect(s.port, '127.0.0.1', () => {
          socket.write(`BITS_POST /upload/flood.bin HTTP/1.1\r\nHost: ${s.host}:${s.port}\r\nBITS-Packet-Type: Frag`);
          done();
        });
        open.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          open.delete(socket);
          done();
        });
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 500));
  const heldAfterOpen = open.size;
  const rss = await rssAfterGc(s.child.pid!);
  const heldAt: Array<[number, number]> = [];
  const started = Date.now();
  while (Date.now() - started < watchMs && open.size > 0) {
    await new Promise((r) => setTimeout(r, 5_000));
    heldAt.push([Math.round((Date.now() - started) / 1000), open.size]);
  }
  for (const socket of open) socket.destroy();
  return { heldAfterOpen, rss, heldAt };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { root: { type: 'string' }, 'watch-s': { type: 'string', default: '60' } } });
  const root = resolve(values.root ?? fileURLToPath(new URL('../../', import.meta.url)));
  const served = await startServe(root);
  const pid = served.child.pid!;
  try {
    const idle = await rssAfterGc(pid);
    let t = Date.now();
    await createSessions(served, 50_000, 1_000);
    for (let i = 0; i < 20; i++) await upload(served, 8 * MiB);
    const afterFlood = await rssAfterGc(pid);
    console.log(`${root}: RSS after start ${idle} MB; after 50,000 Create-Session + 20 uploads of 8 MiB ${afterFlood} MB (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    t = Date.now();
    const heads = await halfHeads(served, 4_000, Number(values['watch-s']) * 1000);
    console.log(`4,000 half-sent heads: ${heads.heldAfterOpen} held by the server 0.5 s after opening, RSS ${heads.rss} MB; still held at [s, count]: ${JSON.stringify(heads.heldAt)}`);
    console.log(`RSS at the end ${await rssAfterGc(pid)} MB`);
  } finally {
    served.child.kill('SIGTERM');
  }
}

await main();
