// One run at a time per report folder: two runs writing into one --out would overwrite each other's
// files and leave a set mixed from both. A run takes `.bits-conformance.lock` in the folder, a file
// naming its process; a second run is refused with one line while that process lives. A lock whose
// process is gone (killed with SIGKILL, the machine rebooted) is stale and taken over.
// Hand-written: proper-lockfile, the maintained library for this, judges staleness by the lock's age
// (kept fresh by a timer), so a killed run's lock would hold its folder for seconds after; a pid says
// at once whether the holder lives.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { ReportInputError } from './files.js';

export const LOCK_FILE = '.bits-conformance.lock';

interface Holder {
  pid: number;
  host: string;
  since: string;
}

export class OutputLockError extends ReportInputError {}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/** True while the holder's process may still run: always for another host, which cannot be asked. */
function holderLives(holder: Holder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

const aside = (file: string): string => `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;

/** Creates the lock with its content in one step (link fails if it exists), so it is never seen empty. */
async function create(lock: string, content: string): Promise<boolean> {
  const temporary = aside(lock);
  await writeFile(temporary, content);
  try {
    await link(temporary, lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Removes a stale lock, but only the one judged stale: it is moved aside first and compared, so a run
 * that took the lock over a moment earlier keeps it (it is put back).
 */
async function removeStale(lock: string, stale: string): Promise<void> {
  const moved = aside(lock);
  try {
    await rename(lock, moved);
  } catch {
    return; // gone already
  }
  if ((await readFile(moved, 'utf8').catch(() => '')) !== stale) await link(moved, lock).catch(() => undefined);
  await rm(moved, { force: true });
}

export interface OutputLock {
  file: string;
  release(): Promise<void>;
  /** For a process on its way out (a second Ctrl-C): no await possible. */
  releaseSync(): void;
}

/** `EACCES` and kin as a person reads them. */
function why(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'a read-only file system' : (error as Error).message;
}

/**
 * Checks, before any case runs, that reports can be written into `dir` (as `given` names it): the
 * folder exists and is writable, or its parent does and is. A file in the way, a read-only folder
 * or a missing parent is one line now, not a lost run later. Nothing is created here.
 */
export function checkOutputFolder(dir: string, given: string): void {
  let target = dir;
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new OutputLockError(`--out ${given} is a file, not a folder: give a folder for the reports`);
  } else {
    target = dirname(dir);
    if (!existsSync(target)) throw new OutputLockError(`--out ${given}: its parent folder ${target} does not exist; create it or give another --out`);
    if (!statSync(target).isDirectory()) throw new OutputLockError(`--out ${given}: ${target} is a file, not a folder`);
  }
  try {
    accessSync(target, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new OutputLockError(`--out ${given}: cannot write into ${target} (${why(error)})`);
  }
}

/** Takes the folder's lock, or refuses with one line naming the run that holds it. */
export async function lockOutputs(dir: string): Promise<OutputLock> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const content = `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Holder)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await create(file, content)) {
      return {
        file,
        async release() {
          if ((await readFile(file, 'utf8').catch(() => '')) === content) await rm(file, { force: true });
        },
        releaseSync() {
          try {
            if (readFileSync(file, 'utf8') === content) rmSync(file, { force: true });
          } catch {
            // gone already
          }
        },
      };
    }
    const held = await readFile(file, 'utf8').catch(() => '');
    const holder = parseHolder(held);
    if (holder && holderLives(holder)) {
      const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`;
      throw new OutputLockError(`another run (${where}, since ${holder.since}) is writing reports into ${dir}; wait for it or give another --out (if no such run is going on, delete ${file})`);
    }
    await removeStale(file, held); // its run is gone (or the file is not a lock this suite wrote)
  }
  throw new OutputLockError(`cannot take the lock ${file}: other runs keep taking it`);
}
