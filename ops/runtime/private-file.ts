import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import path from "node:path";

/** A temporary file next to `file`, created exclusively (never an existing file or a planted link) with mode 600. */
function writeTemporary(file: string, content: string): string {
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`,
  );
  const fd = openSync(temporary, "wx", 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temporary;
}

/**
 * Creates `file` with `content`, readable by this account only, unless it exists: then its content
 * is returned. The file appears whole or not at all (written aside, then hard-linked into place,
 * which fails rather than replace a file another process made meanwhile), so there is no window
 * between "does it exist?" and "write it" and no moment at which it is readable by others.
 */
export function createPrivateFileOnce(file: string, content: string): { created: boolean; content: string } {
  const temporary = writeTemporary(file, content);
  try {
    linkSync(temporary, file);
    return { created: true, content };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return { created: false, content: readFileSync(file, "utf8") };
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Replaces `file` atomically with `content`, mode 600: a crash leaves the old file or the new one, never half. */
export function writePrivateFile(file: string, content: string): void {
  const temporary = writeTemporary(file, content);
  try {
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Takes group and other access away from everything under `dir` (the build output holds the
 * server-actions key in its manifests). Links are left alone: they may point outside.
 */
export function makeTreePrivate(dir: string): void {
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return;
  chmodSync(dir, stat.mode & 0o700);
  if (!stat.isDirectory()) return;
  for (const entry of readdirSync(dir)) makeTreePrivate(path.join(dir, entry));
}
