// The fail-open spool's files, and the two properties the rest of the spool relies on:
// - an append lands whole and fsync'd, or not at all: a short write, ENOSPC or EIO is cut back
//   off (ftruncate to the previous length), so a later append never glues onto a torn line;
// - a file belongs to whoever holds its spool id's lock (proper-lockfile: a directory whose
//   mtime the holder refreshes), never to a PID: a restarted container gets the PID of the
//   process that died, so "is the PID alive" adopted nothing after a restart.
//
// Names in the spool directory (one spool id = `<pid>-<hex>`; the pid is only for people):
//   spool-<id>.jsonl            the active file, appended to
//   spool-<id>.seg-<n>.jsonl    frozen segments: a rotated active file, or an adopted orphan
//   spool-<id>.lock/            the lock (a directory)
//   dead-<id>.jsonl             dead letters and quarantined lines, never deleted by Tollgate
// Earlier versions wrote spool-<id>.replaying.jsonl and spool-<id>.jsonl.adopt-<hex>; both are
// still recognised so an upgrade adopts what an old process left behind.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type lockfileModule from "proper-lockfile";

// Loaded through createRequire, not `import`: route modules import TollgateError from
// ~/core/index.ts, so the browser build follows the core's imports, and proper-lockfile's
// graceful-fs cannot be bundled for the browser ("Node builtin "fs" ... must be polyfilled").
const lockfile = (): typeof lockfileModule => createRequire(import.meta.url)("proper-lockfile");

const SPOOL_FILE = /^spool-(\d+-[0-9a-f]+)(?:\.(replaying|seg-\d+))?\.jsonl(\.adopt-[0-9a-f]+)?$/;
const LOCK_DIR = /^spool-(\d+-[0-9a-f]+)\.lock$/;
const DEAD_FILE = /^dead-.+\.jsonl$/;

/** Spool and dead-letter files name tenants, users and costs: owner only. */
export const FILE_MODE = 0o600;

export const newSpoolId = () => `${process.pid}-${randomUUID().replaceAll("-", "").slice(0, 12)}`;
export const activePath = (dir: string, id: string) => path.join(dir, `spool-${id}.jsonl`);
export const segmentPath = (dir: string, id: string, n: number) => path.join(dir, `spool-${id}.seg-${String(n).padStart(6, "0")}.jsonl`);
export const deadLetterPath = (dir: string, id: string) => path.join(dir, `dead-${id}.jsonl`);

/** Spool ids with files or a lock in dir. */
export function spoolIds(dir: string): Set<string> {
  const ids = new Set<string>();
  for (const name of fs.readdirSync(dir)) {
    const m = SPOOL_FILE.exec(name) ?? LOCK_DIR.exec(name);
    if (m) ids.add(m[1]);
  }
  return ids;
}

/** The files of one spool id in replay order: an old `.replaying` file, segments, adopt leftovers, the active file. */
export function filesOf(dir: string, id: string): string[] {
  const rank = (m: RegExpExecArray) => (m[2] === "replaying" ? "0" : m[2] ? `1${m[2]}` : m[3] ? `2${m[3]}` : "3");
  return fs
    .readdirSync(dir)
    .map((name) => ({ name, m: SPOOL_FILE.exec(name) }))
    .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null && f.m[1] === id)
    .sort((a, b) => rank(a.m).localeCompare(rank(b.m)))
    .map((f) => path.join(dir, f.name));
}

export const deadLetterFiles = (dir: string) => fs.readdirSync(dir).filter((n) => DEAD_FILE.test(n)).map((n) => path.join(dir, n));

export interface LockTiming {
  /** A lock not refreshed for this long is stale: its files may be adopted. */
  staleMs: number;
  /** How often the holder refreshes it. */
  updateMs: number;
}

/**
 * Takes the lock of spool id `id`; undefined when someone holds it (a live spool).
 * onCompromised: the lock was lost (not refreshed in time, or taken over as stale).
 */
export function tryLock(dir: string, id: string, timing: LockTiming, onCompromised: (e: Error) => void): (() => void) | undefined {
  try {
    const release = lockfile().lockSync(path.join(dir, `spool-${id}`), {
      realpath: false, stale: timing.staleMs, update: timing.updateMs, onCompromised,
    });
    return () => {
      try {
        release();
      } catch {
        // Already released or compromised: nothing left to give back.
      }
    };
  } catch (e) {
    if ((e as { code?: string }).code === "ELOCKED") return undefined;
    throw e;
  }
}

/** A write that did not land whole. `rolledBack`: the file was cut back to its previous length. */
export class SpoolWriteError extends Error {
  readonly code: string;
  constructor(readonly cause: unknown, readonly written: number, readonly rolledBack: boolean) {
    const code = (cause as { code?: string })?.code ?? "EIO";
    super(`spool write failed (${code}) after ${written} bytes${rolledBack ? ", rolled back" : ""}`);
    this.code = code;
  }
}

/**
 * Appends data at the end of fd (opened "a") and fsyncs; returns the new length. writeSync may
 * write less than asked (disk full): the rest is retried, which then reports the real errno.
 */
export function appendDurably(fd: number, size: number, data: Buffer): number {
  let written = 0;
  try {
    while (written < data.length) {
      const n = fs.writeSync(fd, data, written, data.length - written);
      if (n <= 0) throw Object.assign(new Error("short write"), { code: "ESHORT" });
      written += n;
    }
    fs.fsyncSync(fd);
    return size + data.length;
  } catch (e) {
    let rolledBack = false;
    try {
      fs.ftruncateSync(fd, size);
      rolledBack = true;
    } catch {
      // The caller stops using this file (see Spool.append).
    }
    throw new SpoolWriteError(e, written, rolledBack);
  }
}

/** Lines of a file; a last line without its newline (a torn write) is returned too. */
export function readLines(file: string): string[] {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Replaces file with lines, atomically (temp file, fsync, rename). */
export function rewrite(file: string, lines: string[]) {
  const tmp = `${file}.tmp-${randomUUID().slice(0, 8)}`;
  const fd = fs.openSync(tmp, "w", FILE_MODE);
  try {
    appendDurably(fd, 0, Buffer.from(lines.map((l) => `${l}\n`).join("")));
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // closed above
    }
  }
  fs.renameSync(tmp, file);
}

/** Appends one JSON line to file (created if missing), durably. */
export function appendLine(file: string, value: unknown) {
  const fd = fs.openSync(file, "a", FILE_MODE);
  try {
    appendDurably(fd, fs.fstatSync(fd).size, Buffer.from(`${JSON.stringify(value)}\n`));
  } finally {
    fs.closeSync(fd);
  }
}
