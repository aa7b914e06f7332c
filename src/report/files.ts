// Every file the report module writes goes through writeFileAtomic (temporary file in the same
// directory, then rename), so a reader never sees half a report. Input files are read here too, each
// problem turned into one line that names the file (ReportInputError; the CLI exits 2 on it).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, basename, isAbsolute, join, relative, resolve, sep } from 'node:path';

export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

/**
 * A file as a report records it: relative to the project (the current folder), with `/`; a file
 * outside the project by its name alone. A report, signed or not, carries no absolute path of the
 * machine it ran on; the file's SHA-256 beside it says which content was used.
 */
export function projectPath(file: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, resolve(cwd, file));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return basename(file);
  return rel.split(sep).join('/');
}

/** Matches the temporary files writeTemporary makes: `.<name>.<pid>.<8 hex>.tmp`. */
const TEMPORARY = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

/** Writes `content` to a temporary file beside `file` (same directory, so rename never crosses a file system); returns its path. */
export async function writeTemporary(file: string, content: string): Promise<string> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  // A random part, so two writers never share one.
  const temporary = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  return temporary;
}

/** Puts a temporary file in place of `file` in one step; readers see the old file or the new one. */
export async function commitTemporary(temporary: string, file: string): Promise<void> {
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await commitTemporary(await writeTemporary(file, content), file);
}

/**
 * Deletes the temporary files a writer killed mid-write left in `dir` (kill -9 gives it no chance).
 * Call it holding the folder's lock (output-lock.ts): then no live writer owns one.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((name) => TEMPORARY.test(name));
  await Promise.all(stale.map((name) => rm(join(dir, name), { force: true })));
  return stale;
}

/** Reads a file as text; a missing or unreadable file is one line naming it. */
export async function readInputText(file: string, what: string): Promise<string> {
  return (await readInputBytes(file, what)).toString('utf8');
}

/** Reads a file's bytes; a missing or unreadable file is one line naming it. */
export async function readInputBytes(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new ReportInputError(`${what} ${file}: ${why}`);
  }
}

/** Parses JSON; a syntax error is one line naming the file. */
export function parseInputJson(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ReportInputError(`${what} ${file} is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}
