// Fail-open mode: while the database is unreachable, decisions are allowed and every cost is
// appended to an fsync'd JSON-lines file; replay applies them once the database is back
// (ADR 0008). The spool cannot jam and does not lose an entry:
// - replay goes entry by entry: an entry the ledger refuses for good (bad data, a deleted
//   tenant, a tenant that does not own the reservation) goes to a dead-letter file with its
//   reason; an unavailable database stops the replay and keeps the rest, progress saved;
// - an unparsable line (a torn write) is quarantined in the dead letters, never thrown;
// - an append that did not land whole is cut back off and answered quota_unavailable;
// - files belong to the holder of their lock, so several instances may share one directory
//   and a dead instance's files (same PID or not) are adopted by a live one.
// Replay stays idempotent (record keys, settle-twice returns the first result), so a crash
// mid-replay re-applies at most the entries after the last saved progress, without effect.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { money, ZERO } from "./money.ts";
import * as ledger from "./ledger.ts";
import { applyEntry, parseEntry, tenantOf, type Entry, type ReserveEntry } from "./spool-entries.ts";
import {
  activePath, appendDurably, FILE_MODE, appendLine, deadLetterFiles, deadLetterPath, filesOf, newSpoolId, readLines, rewrite,
  segmentPath, spoolIds, tryLock, type LockTiming,
} from "./spool-file.ts";
import { TollgateError, type ActualUsage, type RecordDecision, type RecordRequest, type ReserveDecision, type ReserveRequest, type SettleResult, type Warning } from "./types.ts";

const SPOOLED: Warning = { code: "spooled", message: "The quota store is unavailable; allowed and spooled to disk (fail-open mode)." };
const DEFAULT_LOCK: LockTiming = { staleMs: 30_000, updateMs: 5_000 };

export interface DeadLetter {
  /** When it was dead-lettered. */
  at: string;
  kind: Entry["t"] | "unparsable";
  tenantId: string | null;
  reason: { code: string; message: string };
  /** The file it was read from. */
  source: string;
  entry?: Entry;
  /** An unparsable line, as read. */
  raw?: string;
}

export interface ReplayReport {
  /** Entries applied to the ledger by this replay. */
  applied: number;
  /** Entries found already in the ledger (committed before the connection dropped, settled twice). */
  duplicates: number;
  deadLettered: number;
  quarantined: number;
  /** Set when the database became unavailable: replay stopped, the rest is kept. */
  stoppedBy?: unknown;
}

export interface SpoolStatus {
  /** Entries of this spool (and orphans it adopted) not yet applied or dead-lettered. */
  backlog: number;
  /** Dead letters in the spool directory (all instances sharing it). */
  deadLetters: number;
  /** The newest dead letters, newest first (at most `limit`). */
  recent: DeadLetter[];
}

export class Spool {
  private id = "";
  private unlock: () => void = () => {};
  private lockLost = false;
  private active: { fd: number; size: number; lines: number } | undefined;
  /** Our frozen files and how many entries each still holds. */
  private readonly segments = new Map<string, number>();
  /** Where a segment came from (an adopted file's own name), for the dead letters. */
  private readonly origins = new Map<string, string>();
  /** Entries of a segment already dealt with, when saving that progress to the file failed. */
  private readonly cursor = new Map<string, number>();
  private segmentSeq = 0;
  /** Holds made while spooling and not yet settled, released or expired. */
  private readonly holds = new Map<string, ReserveEntry>();
  private replaying: Promise<unknown> = Promise.resolve();
  private readonly deadCache = new Map<string, { mtimeMs: number; size: number; letters: DeadLetter[] }>();

  constructor(
    private readonly dir: string,
    private readonly lock: LockTiming = DEFAULT_LOCK,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 }); // entries name tenants, users and costs
    this.claimId();
    this.adoptOrphans();
  }

  private claimId() {
    const id = newSpoolId();
    this.id = id;
    this.lockLost = false;
    // The lock of an id we already left behind may report its loss later: not ours any more.
    // (Nor is it released: its directory may be the adopter's lock now.)
    this.unlock = tryLock(this.dir, id, this.lock, () => this.id === id && (this.lockLost = true)) ?? (() => {});
  }

  /**
   * Our lock was lost (we stalled past the stale time and another instance may be adopting
   * our files): continue under a new id; the old files are adopted by whoever locks them,
   * possibly us again.
   */
  private renewIdIfLockLost() {
    if (!this.lockLost) return;
    if (this.active) fs.closeSync(this.active.fd);
    this.active = undefined;
    this.segments.clear();
    this.origins.clear();
    this.cursor.clear();
    this.claimId();
  }

  /** Files of spools whose lock nobody holds become ours (renamed into our id, atomically). */
  private adoptOrphans() {
    for (const id of spoolIds(this.dir)) {
      if (id === this.id || heldByEarlierVersion(id)) continue;
      const release = tryLock(this.dir, id, this.lock, () => {});
      if (!release) continue; // a live spool
      try {
        for (const file of filesOf(this.dir, id)) {
          const mine = segmentPath(this.dir, this.id, this.segmentSeq++);
          fs.renameSync(file, mine);
          this.origins.set(mine, path.basename(file));
          this.load(mine);
        }
      } finally {
        release();
      }
    }
  }

  /** Registers a segment: its entry count, and the holds it opened. */
  private load(file: string) {
    const lines = readLines(file);
    this.segments.set(file, lines.length);
    for (const line of lines) {
      const p = parseEntry(line);
      if (p.ok && p.entry.t === "reserve" && !this.holds.has(p.entry.id)) this.holds.set(p.entry.id, p.entry);
    }
  }

  private append(e: Entry) {
    // Our active file renamed away: another instance adopted it (we stalled past the stale
    // time and lost the lock before the lock's own timer could tell us). Appending through the
    // old descriptor would write into a file that instance is replaying.
    if (this.active && !fs.existsSync(activePath(this.dir, this.id))) this.lockLost = true;
    this.renewIdIfLockLost();
    try {
      if (!this.active) {
        const fd = fs.openSync(activePath(this.dir, this.id), "a", FILE_MODE);
        this.active = { fd, size: fs.fstatSync(fd).size, lines: 0 };
      }
      this.active.size = appendDurably(this.active.fd, this.active.size, Buffer.from(`${JSON.stringify(e)}\n`));
      this.active.lines++;
    } catch (err) {
      // A torn tail that could not be cut off: freeze the file (the torn line is quarantined
      // on replay) so that no later entry is glued onto it.
      if ((err as { rolledBack?: boolean }).rolledBack === false) {
        try {
          this.rotate();
        } catch {
          this.active = undefined; // the next append opens the file anew
        }
      }
      const e = new TollgateError("quota_unavailable", "The quota store is unavailable and the fail-open spool cannot be written; try again shortly.");
      (e as { cause?: unknown }).cause = err;
      throw e;
    }
  }

  /** The active file becomes a segment; the next append starts a new one. */
  private rotate() {
    if (!this.active) return;
    const { fd, lines } = this.active;
    this.active = undefined;
    fs.closeSync(fd);
    const seg = segmentPath(this.dir, this.id, this.segmentSeq++);
    fs.renameSync(activePath(this.dir, this.id), seg);
    this.origins.set(seg, path.basename(activePath(this.dir, this.id)));
    this.segments.set(seg, lines);
  }

  backlog() {
    let n = this.active?.lines ?? 0;
    for (const lines of this.segments.values()) n += lines;
    return n;
  }

  isSpooled(reservationId: string) {
    return this.holds.has(reservationId);
  }

  async reserve(req: ReserveRequest, defaultTtl: number, now: Date): Promise<ReserveDecision> {
    const id = randomUUID();
    const expiresAt = new Date(now.getTime() + (req.ttlSeconds ?? defaultTtl) * 1000);
    const entry: ReserveEntry = { t: "reserve", id, req, at: now.toISOString(), expiresAt: expiresAt.toISOString() };
    this.append(entry);
    this.holds.set(id, entry);
    const estimate = "estimatedCostUsd" in req ? money(req.estimatedCostUsd) : ZERO;
    return { allowed: true, replay: false, reservationId: id, estimatedCostUsd: estimate, expiresAt, warnings: [SPOOLED] };
  }

  /** The tenant a caller is bound to may settle or release only its own spooled holds. */
  private holdOf(reservationId: string, tenantId: string | null | undefined) {
    const hold = this.holds.get(reservationId);
    if (hold && tenantId && hold.req.tenantId !== tenantId) throw new TollgateError("not_found", "No such reservation.");
    return hold;
  }

  /** Settling a reservation that was made while spooling. */
  async settle(reservationId: string, actual: ActualUsage, now: Date, tenantId?: string | null): Promise<SettleResult> {
    return this.settleLater(reservationId, actual, now, tenantId);
  }

  /**
   * Settling any reservation while the database is down: applied on replay, to the
   * reservation's tenant only if it is `tenantId` (null: the caller may act for any tenant).
   */
  async settleLater(reservationId: string, actual: ActualUsage, now: Date, tenantId?: string | null): Promise<SettleResult> {
    const hold = this.holdOf(reservationId, tenantId);
    this.append({ t: "settle", id: reservationId, tenantId: hold?.req.tenantId ?? tenantId ?? null, actual, at: now.toISOString() });
    const cost = "actualCostUsd" in actual ? money(actual.actualCostUsd) : ZERO;
    return { reservationId, status: "settled", costRecordId: "spooled", actualCostUsd: cost, estimatedCostUsd: ZERO, late: false, replay: false, warnings: [SPOOLED] };
  }

  async release(reservationId: string, tenantId?: string | null) {
    const hold = this.holdOf(reservationId, tenantId);
    this.append({ t: "release", id: reservationId, tenantId: hold?.req.tenantId ?? tenantId ?? null });
    return { reservationId, status: "released" as const };
  }

  async record(req: RecordRequest, now: Date): Promise<RecordDecision> {
    ledger.assertClientKey(req.idempotencyKey);
    const { occurredAt, ...rest } = req;
    this.append({ t: "record", req: { ...rest, occurredAt: (occurredAt ?? now).toISOString(), spooledBackfill: occurredAt !== undefined } });
    const cost = "actualCostUsd" in req && req.actualCostUsd !== undefined ? money(req.actualCostUsd) : ZERO;
    return { allowed: true, replay: false, costRecordId: "spooled", costUsd: cost, warnings: [SPOOLED] };
  }

  /** Applies the spool; one replay at a time per spool (calls queue up). */
  replay(ctx: ledger.LedgerContext): Promise<ReplayReport> {
    const run = this.replaying.then(() => this.replayNow(ctx));
    this.replaying = run.catch(() => {});
    return run;
  }

  private async replayNow(ctx: ledger.LedgerContext): Promise<ReplayReport> {
    this.renewIdIfLockLost();
    const report: ReplayReport = { applied: 0, duplicates: 0, deadLettered: 0, quarantined: 0 };
    // What is already frozen first; the active file is rotated only once that went through, so
    // a long outage does not leave a new segment per tick. Appends made during the replay go
    // to a fresh active file.
    for (const step of ["frozen", "active"] as const) {
      try {
        if (step === "frozen") this.adoptOrphans();
        else this.rotate();
      } catch (e) {
        return { ...report, stoppedBy: e };
      }
      for (const file of [...this.segments.keys()].sort()) {
        const stoppedBy = await this.replaySegment(ctx, file, report);
        if (stoppedBy !== undefined) return { ...report, stoppedBy };
      }
    }
    // Every settle written before now has been applied: holds past their expiry are over
    // (the database would have swept them).
    const now = ctx.clock().getTime();
    for (const [id, h] of this.holds) if (new Date(h.expiresAt).getTime() <= now) this.holds.delete(id);
    // What is left are holds; drop the lines of those settled later in the pass or expired.
    for (const file of [...this.segments.keys()]) {
      try {
        const lines = readLines(file);
        this.saveProgress(file, lines, lines.length);
      } catch {
        // Read again next time.
      }
    }
    return report;
  }

  /** Replays one segment from its saved progress; returns the error that stopped it, if any. */
  private async replaySegment(ctx: ledger.LedgerContext, file: string, report: ReplayReport): Promise<unknown> {
    let lines: string[];
    try {
      lines = readLines(file);
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") return e;
      this.segments.delete(file); // adopted by another instance after we lost our lock
      return undefined;
    }
    const start = this.cursor.get(file) ?? 0;
    let end = lines.length;
    let stoppedBy: unknown;
    for (let i = start; i < lines.length; i++) {
      try {
        const p = parseEntry(lines[i]);
        if (!p.ok) {
          this.deadLetter({ kind: "unparsable", tenantId: null, reason: { code: "unparsable", message: p.message }, raw: lines[i] }, file);
          report.quarantined++;
          continue;
        }
        const outcome = await applyEntry(ctx, p.entry, this.holds);
        if (outcome.kind === "dead") {
          this.deadLetter({ kind: p.entry.t, tenantId: tenantOf(p.entry), reason: { code: outcome.code, message: outcome.message }, entry: p.entry }, file);
          report.deadLettered++;
        } else if (outcome.kind !== "none") {
          report[outcome.kind === "applied" ? "applied" : "duplicates"]++;
        }
      } catch (e) {
        // The database is unavailable, or the dead letter could not be written: this entry
        // and the rest wait for the next replay.
        stoppedBy = e;
        end = i;
        break;
      }
    }
    this.saveProgress(file, lines, end);
    return stoppedBy;
  }

  /**
   * What is left of a segment: the holds it opened that are still open, and the entries from
   * `end` on. The file is rewritten to exactly that (or removed); if that fails, the progress
   * is remembered in memory instead (a restart then re-applies, which is idempotent).
   */
  private saveProgress(file: string, lines: string[], end: number) {
    const open = lines.slice(0, end).filter((line) => {
      const p = parseEntry(line);
      return p.ok && p.entry.t === "reserve" && this.holds.has(p.entry.id);
    });
    const left = [...open, ...lines.slice(end)];
    try {
      if (left.length === 0) fs.rmSync(file, { force: true });
      else if (left.length !== lines.length) rewrite(file, left);
      if (left.length === 0) {
        this.segments.delete(file);
        this.origins.delete(file);
      } else {
        this.segments.set(file, left.length);
      }
      this.cursor.delete(file);
    } catch {
      this.cursor.set(file, end);
      this.segments.set(file, lines.length - end + open.length);
    }
  }

  private deadLetter(d: Omit<DeadLetter, "at" | "source">, source: string) {
    const letter: DeadLetter = { at: new Date().toISOString(), ...d, source: this.origins.get(source) ?? path.basename(source) };
    appendLine(deadLetterPath(this.dir, this.id), letter);
  }

  status(limit = 100): SpoolStatus {
    return { backlog: this.backlog(), ...readDeadLetters(this.dir, limit, this.deadCache) };
  }

  /** Gives the lock back (its files are then adopted by the next instance at once). */
  close() {
    if (this.active) fs.closeSync(this.active.fd);
    this.active = undefined;
    this.unlock();
  }
}

/**
 * Versions before ADR 0008 took no lock (ids `<pid>-<8 hex>`; ours have 12): during a rolling
 * upgrade such a process may still be appending, so its files keep the old rule — adopted
 * once its PID is gone, or when the PID is ours (it died and we got its PID on restart).
 */
function heldByEarlierVersion(id: string): boolean {
  const m = /^(\d+)-[0-9a-f]{8}$/.exec(id);
  if (!m || Number(m[1]) === process.pid) return false;
  try {
    process.kill(Number(m[1]), 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM"; // alive, someone else's
  }
}

/**
 * A spool directory seen from outside (no spool running here, e.g. fail-closed mode after a
 * fail-open run): entries waiting in any instance's files, and the dead letters.
 */
export function inspectSpoolDir(dir: string, limit = 100): SpoolStatus {
  if (!fs.existsSync(dir)) return { backlog: 0, deadLetters: 0, recent: [] };
  let backlog = 0;
  for (const id of spoolIds(dir)) for (const file of filesOf(dir, id)) backlog += readLines(file).length;
  return { backlog, ...readDeadLetters(dir, limit) };
}

/**
 * The dead letters in a spool directory (every instance's), newest first. Also usable where no
 * spool runs (fail-closed mode) to show what an earlier fail-open run left.
 */
export function readDeadLetters(
  dir: string,
  limit = 100,
  cache = new Map<string, { mtimeMs: number; size: number; letters: DeadLetter[] }>(),
): { deadLetters: number; recent: DeadLetter[] } {
  if (!fs.existsSync(dir)) return { deadLetters: 0, recent: [] };
  const all: DeadLetter[] = [];
  for (const file of deadLetterFiles(dir)) {
    const st = fs.statSync(file);
    let cached = cache.get(file);
    if (!cached || cached.mtimeMs !== st.mtimeMs || cached.size !== st.size) {
      const letters = readLines(file).flatMap((l) => {
        try {
          return [JSON.parse(l) as DeadLetter];
        } catch {
          return [{ at: st.mtime.toISOString(), kind: "unparsable", tenantId: null, reason: { code: "unparsable", message: "dead-letter line not readable" }, source: path.basename(file), raw: l } as DeadLetter];
        }
      });
      cached = { mtimeMs: st.mtimeMs, size: st.size, letters };
      cache.set(file, cached);
    }
    all.push(...cached.letters);
  }
  all.sort((a, b) => b.at.localeCompare(a.at));
  return { deadLetters: all.length, recent: all.slice(0, limit) };
}
