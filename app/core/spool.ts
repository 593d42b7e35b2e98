// Fail-open mode: while the database is unreachable, decisions are allowed and every cost is
// appended to an fsync'd JSON-lines file; replay applies them once the database is back.
// Replay is idempotent (record idempotency keys, settle-twice returns the first result), so a
// crash mid-replay or a cost that did commit before the connection dropped is never counted twice.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import * as ledger from "./ledger.ts";
import { money, ZERO } from "./money.ts";
import { TollgateError, type ActualUsage, type RecordDecision, type RecordRequest, type ReserveDecision, type ReserveRequest, type SettleResult, type Warning } from "./types.ts";

type Entry =
  | { t: "reserve"; id: string; req: ReserveRequest; at: string; expiresAt: string }
  | { t: "settle"; id: string; actual: ActualUsage; at: string }
  | { t: "release"; id: string }
  | { t: "record"; req: Omit<RecordRequest, "occurredAt"> & { occurredAt: string; spooledBackfill: boolean } };

const SPOOLED: Warning = { code: "spooled", message: "The quota store is unavailable; allowed and spooled to disk (fail-open mode)." };

export class Spool {
  private readonly file: string;
  private fd: number;
  private entries = 0;
  private readonly reservations = new Map<string, Extract<Entry, { t: "reserve" }>>();

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `spool-${process.pid}-${randomUUID().slice(0, 8)}.jsonl`);
    this.fd = fs.openSync(this.file, "a");
    this.adoptOrphans();
  }

  /** Files left by processes that died (including a half-done replay) become ours. */
  private adoptOrphans() {
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^spool-(\d+)-[0-9a-f]+(\.replaying)?\.jsonl$/.exec(name);
      const full = path.join(this.dir, name);
      if (!m || full === this.file || isAlive(Number(m[1]))) continue;
      let text: string;
      try {
        const claimed = `${this.file}.adopt-${randomUUID().slice(0, 8)}`;
        fs.renameSync(full, claimed); // atomic: only one adopter wins
        text = fs.readFileSync(claimed, "utf8");
        for (const line of text.split("\n").filter(Boolean)) this.append(JSON.parse(line) as Entry);
        fs.rmSync(claimed);
      } catch {
        continue;
      }
    }
  }

  private append(e: Entry) {
    fs.writeSync(this.fd, JSON.stringify(e) + "\n");
    fs.fsyncSync(this.fd);
    this.entries++;
    if (e.t === "reserve") this.reservations.set(e.id, e);
  }

  backlog() {
    return this.entries;
  }

  isSpooled(reservationId: string) {
    return this.reservations.has(reservationId);
  }

  async reserve(req: ReserveRequest, defaultTtl: number, now: Date): Promise<ReserveDecision> {
    const id = randomUUID();
    const expiresAt = new Date(now.getTime() + (req.ttlSeconds ?? defaultTtl) * 1000);
    this.append({ t: "reserve", id, req, at: now.toISOString(), expiresAt: expiresAt.toISOString() });
    const estimate = "estimatedCostUsd" in req ? money(req.estimatedCostUsd) : ZERO;
    return { allowed: true, replay: false, reservationId: id, estimatedCostUsd: estimate, expiresAt, warnings: [SPOOLED] };
  }

  /** Settling a reservation that was made while spooling. */
  async settle(reservationId: string, actual: ActualUsage, now: Date): Promise<SettleResult> {
    return this.settleLater(reservationId, actual, now);
  }

  /** Settling any reservation while the database is down: applied on replay. */
  async settleLater(reservationId: string, actual: ActualUsage, now: Date): Promise<SettleResult> {
    this.append({ t: "settle", id: reservationId, actual, at: now.toISOString() });
    const cost = "actualCostUsd" in actual ? money(actual.actualCostUsd) : ZERO;
    return { reservationId, status: "settled", costRecordId: "spooled", actualCostUsd: cost, estimatedCostUsd: ZERO, late: false, replay: false, warnings: [SPOOLED] };
  }

  async release(reservationId: string) {
    this.append({ t: "release", id: reservationId });
    return { reservationId, status: "released" as const };
  }

  async record(req: RecordRequest, now: Date): Promise<RecordDecision> {
    const { occurredAt, ...rest } = req;
    this.append({ t: "record", req: { ...rest, occurredAt: (occurredAt ?? now).toISOString(), spooledBackfill: occurredAt !== undefined } });
    const cost = "actualCostUsd" in req && req.actualCostUsd !== undefined ? money(req.actualCostUsd) : ZERO;
    return { allowed: true, replay: false, costRecordId: "spooled", costUsd: cost, warnings: [SPOOLED] };
  }

  /**
   * Applies the spool to the database. The current file is rotated first so that appends during
   * replay go to a fresh file; entries that cannot be applied yet (unsettled spooled holds) are
   * carried over. A database still down leaves everything in place for the next attempt.
   */
  async replay(ctx: ledger.LedgerContext): Promise<number> {
    if (this.entries === 0) return 0;
    const rotated = this.file.replace(/\.jsonl$/, ".replaying.jsonl");
    fs.closeSync(this.fd);
    fs.renameSync(this.file, rotated);
    this.fd = fs.openSync(this.file, "a");
    this.entries = 0;
    const pending = fs.readFileSync(rotated, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Entry);
    const reserves = new Map(pending.filter((e) => e.t === "reserve").map((e) => [(e as any).id as string, e as Extract<Entry, { t: "reserve" }>]));
    const done = new Set<string>();
    let applied = 0;
    try {
      for (const e of pending) {
        if (e.t === "record") {
          const { occurredAt, spooledBackfill: _b, ...req } = e.req;
          await tolerateConflict(ledger.record(ctx, { ...req, occurredAt: new Date(occurredAt) } as RecordRequest));
          applied++;
        } else if (e.t === "settle") {
          const spooled = reserves.get(e.id);
          if (spooled) {
            await tolerateConflict(ledger.record(ctx, recordFromSpooledHold(spooled, e.actual)));
          } else {
            await tolerateConflict(ledger.settle(ctx, e.id, e.actual));
          }
          done.add(e.id);
          applied++;
        } else if (e.t === "release") {
          done.add(e.id);
        }
      }
    } catch (err) {
      // Still unavailable (or worse): put everything back for the next attempt.
      for (const e of pending) this.append(e);
      fs.rmSync(rotated);
      throw err;
    }
    const now = ctx.clock().getTime();
    for (const r of reserves.values()) {
      if (done.has(r.id)) this.reservations.delete(r.id);
      else if (new Date(r.expiresAt).getTime() > now) this.append(r); // still open: keep it
      else this.reservations.delete(r.id);
    }
    fs.rmSync(rotated);
    return applied;
  }
}

/** A spooled hold settles as a one-shot record at the hold's time, keyed by the hold. */
function recordFromSpooledHold(h: Extract<Entry, { t: "reserve" }>, actual: ActualUsage): RecordRequest {
  const r = h.req as ReserveRequest & Record<string, any>;
  const base = {
    tenantId: r.tenantId, userId: r.userId, touchpoint: r.touchpoint, conversationId: r.conversationId, taskId: r.taskId,
    idempotencyKey: `spool:${r.idempotencyKey}`, occurredAt: new Date(h.at),
  };
  if ("actualCostUsd" in actual) return { ...base, resource: r.resource, actualCostUsd: actual.actualCostUsd, provider: r.provider, model: r.model, tier: r.tier };
  if ("inputTokens" in actual) return { ...base, resource: "llm", provider: r.provider, model: r.model, ...actual };
  return { ...base, resource: "sandbox", tier: r.tier, ...actual };
}

/** A conflict on replay means the entry's idempotency key is already in the ledger: applied. */
async function tolerateConflict<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof TollgateError && (e.code === "conflict" || e.code === "not_found" || e.code === "unknown_price")) return undefined;
    throw e;
  }
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
