// Tollgate's enforcement core: the whole public contract. No Remix, React or process.env here;
// the app wires it from validated configuration (app/services/tollgate.server.ts).
//
//   const tollgate = createTollgate({ pool });
//   const d = await tollgate.reserve({ tenantId, resource: "llm", provider, model, inputTokens,
//                                      maxOutputTokens, idempotencyKey });
//   if (!d.allowed) return quotaExceededResponse(d.denial, "llm", request.headers.get("accept"));
//   ... call the model ...
//   await tollgate.settle(d.reservationId, { inputTokens, outputTokens });
import type pg from "pg";
import { direct, guardPool, isUnavailable } from "./db.ts";
import { createDecider, type GroupCommitOptions, type LeaseOptions } from "./decider.ts";
export { GROUP_COMMIT_DEFAULTS } from "./decider.ts";
import { useStatements, type StatementMode } from "./sql.ts";
import * as ledger from "./ledger.ts";
import { money, toJson, type Money } from "./money.ts";
import { estimateCost } from "./pricing.ts";
import { reconcile } from "./reconcile.ts";
import { Spool, type SpoolStatus } from "./spool.ts";
import { instruments, observeSpool, withSpan } from "./telemetry.ts";
import { utilizationPercent } from "./decide.ts";
import {
  TollgateError,
  type ActualUsage,
  type EstimateInput,
  type Hooks,
  type QuotaResource,
  type QuotaState,
  type RecordDecision,
  type RecordRequest,
  type ReserveDecision,
  type ReserveRequest,
  type Resource,
  type SettleResult,
} from "./types.ts";
import { readUsageRows } from "./usage-rows.ts";
import { recordProblems, reservationIdProblems, reserveProblems, settleProblems } from "./validate.ts";

export * from "./types.ts";
export { quotaExceededBody, quotaExceededEventStream, quotaExceededResponse, wantsEventStream } from "./http.ts";
export { Money, money, toJson } from "./money.ts";
export { isUuid } from "./db.ts";
export { utilizationPercent } from "./decide.ts";
export { llmCostUsd, sandboxCostUsd } from "./pricing-math.ts";
export { periodEnd, periodStart, retryAfterSeconds } from "./periods.ts";
export { MAX_TTL_SECONDS, requestHash, SPOOL_KEY_PREFIX } from "./ledger.ts";
export { inspectSpoolDir, type DeadLetter, type SpoolStatus } from "./spool.ts";

export interface TollgateOptions {
  /** PostgreSQL pool; decisions are hand-written SQL on it (one transaction each). */
  pool: pg.Pool;
  /** Time source (tests move it); the database's own clock is never used for decisions. */
  clock?: () => Date;
  hooks?: Hooks;
  /** Per-resource enforcement switches; off = decide and warn, never deny. Default on. */
  enforcement?: { llm?: boolean; sandbox?: boolean };
  /** When the database is unreachable: `closed` throws quota_unavailable; `open` allows and spools. */
  failMode?: "closed" | "open";
  /** Where fail-open mode spools costs (required for `open`). */
  spoolDir?: string;
  defaultTtlSeconds?: number;
  /**
   * Decide concurrent reserves and settles of this process together, one transaction per
   * batch (ADR 0004). Same guarantee; far higher throughput on hot quotas, and fewer round
   * trips even for a batch of one. Default on; `false` = one transaction per decision.
   */
  groupCommit?: boolean | GroupCommitOptions;
  /**
   * Budget leases (ADR 0009): this process holds a slice of each platform quota's budget and
   * decides that level without locking the row every process shares. Same guarantee (a lease is
   * reserved budget; a request is denied only when the budget is truly gone). Default on;
   * `false` = every decision locks every row.
   */
  leases?: false | LeaseOptions;
  /**
   * How this PROCESS sends statements: "named" (parsed once per connection; the default) or
   * "unnamed" (parsed each time) for a pooler that cannot keep named statements, e.g. PgBouncer
   * before 1.21 in transaction mode.
   */
  statements?: StatementMode;
}

export interface QuotaStatus extends QuotaState {
  remainingUsd: Money;
  utilizationPercent: number;
}

export type Tollgate = ReturnType<typeof createTollgate>;

export const SANDBOX_STAGES = [
  "initialization", "quota_validation", "resource_allocation", "connection", "execution",
  "result_retrieval", "cleanup", "monitoring", "unknown",
] as const;

export interface SandboxErrorInput {
  tenantId: string;
  sandboxId?: string;
  touchpoint?: string;
  operation: string;
  stage: (typeof SANDBOX_STAGES)[number];
  errorType: string;
  message?: string;
  occurredAt?: Date;
}

export function createTollgate(options: TollgateOptions) {
  const clock = options.clock ?? (() => new Date());
  const failMode = options.failMode ?? "closed";
  if (failMode === "open" && !options.spoolDir) throw new Error("failMode 'open' needs a spoolDir");
  guardPool(options.pool);
  if (options.statements) useStatements(options.statements);
  const ctx: ledger.LedgerContext = {
    pool: options.pool,
    clock,
    hooks: options.hooks ?? {},
    enforce: (r: Resource) => (r === "llm" ? options.enforcement?.llm : options.enforcement?.sandbox) ?? true,
    defaultTtlSeconds: options.defaultTtlSeconds ?? 900,
    observe: (rows) => {
      for (const r of rows) {
        instruments().utilization.record(utilizationPercent(r.spentUsd.add(r.reservedUsd), r.limitUsd), { scope: r.scope, resource: r.resource });
      }
    },
  };
  const spool = options.spoolDir ? new Spool(options.spoolDir) : undefined;
  if (spool) observeSpool(() => ({ dir: options.spoolDir!, ...spool.status(0) }));
  /** Replays the spool; an unavailable database stops it (the rest is kept) and is thrown. */
  async function replay(): Promise<number> {
    if (!spool) return 0;
    const r = await spool.replay(ctx);
    if (r.stoppedBy !== undefined) throw r.stoppedBy;
    return r.applied + r.duplicates;
  }
  const decider = createDecider(
    ctx,
    options.groupCommit === false ? false : typeof options.groupCommit === "object" ? options.groupCommit : {},
    options.leases ?? {},
  );

  /** In fail-open mode an unavailable database turns into a spooled, allowed answer. */
  async function orSpool<T>(run: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (failMode === "open" && spool && isUnavailable(e)) {
        instruments().spooled.add(1);
        return fallback();
      }
      throw e;
    }
  }

  async function timed<T>(op: string, resource: string, fn: () => Promise<T>, outcome: (r: T) => string): Promise<T> {
    const started = performance.now();
    let result = "error";
    try {
      const r = await fn();
      result = outcome(r);
      return r;
    } catch (e) {
      result = e instanceof TollgateError ? e.code : "error";
      throw e;
    } finally {
      instruments().decisions.add(1, { op, resource, outcome: result });
      instruments().decisionMs.record(performance.now() - started, { op, resource });
    }
  }

  return {
    /** Cost of a call before it happens, priced now. */
    async estimate(input: EstimateInput): Promise<Money> {
      return (await estimateCost(direct(ctx.pool), input, clock())).costUsd;
    },

    reserve(req: ReserveRequest): Promise<ReserveDecision> {
      // Values are checked before anything else (a batch is shared by many tenants: validate.ts).
      const invalid = reserveProblems(req);
      if (invalid) return Promise.reject(invalid);
      const attrs = { "tollgate.tenant": req.tenantId, "tollgate.resource": req.resource, "tollgate.touchpoint": req.touchpoint ?? "" };
      return withSpan("quota.reserve", attrs, (span) =>
        timed("reserve", req.resource, async () => {
          const d = await orSpool(
            () => {
              const lockSpan = <T,>(fn: () => Promise<T>) => withSpan("quota.db.lock", attrs, fn);
              return decider.reserve(req, lockSpan);
            },
            () => spool!.reserve(req, ctx.defaultTtlSeconds, clock()),
          );
          span.setAttribute("tollgate.outcome", d.allowed ? "allowed" : "denied");
          if (!d.allowed) span.setAttribute("tollgate.binding_scope", d.denial.scope);
          if (d.allowed && !d.replay) instruments().activeHolds.add(1, { resource: req.resource });
          return d;
        }, (d) => (d.allowed ? "allowed" : "denied")),
      );
    },

    /**
     * scope.tenantId: the tenant the caller is bound to. While the database is down the
     * reservation's tenant cannot be checked; the spooled settle is applied only to that tenant.
     */
    settle(reservationId: string, actual: ActualUsage, scope: { tenantId?: string | null } = {}): Promise<SettleResult> {
      const invalid = settleProblems(reservationId, actual);
      if (invalid) return Promise.reject(invalid);
      return withSpan("cost.settle", { "tollgate.reservation": reservationId }, () =>
        timed("settle", "any", async () => {
          const r = spool?.isSpooled(reservationId)
            ? await spool.settle(reservationId, actual, clock(), scope.tenantId)
            : await orSpool(
                () => withSpan("cost.db.insert", {}, () => decider.settle(reservationId, actual, scope.tenantId)),
                () => spool!.settleLater(reservationId, actual, clock(), scope.tenantId),
              );
          if (!r.replay) {
            instruments().activeHolds.add(-1, {});
            instruments().costUsd.add(r.actualCostUsd.toNumber(), {});
          }
          return r;
        }, () => "settled"),
      );
    },

    release(reservationId: string, scope: { tenantId?: string | null } = {}) {
      const invalid = reservationIdProblems(reservationId);
      if (invalid) return Promise.reject(invalid);
      return withSpan("quota.release", { "tollgate.reservation": reservationId }, async () => {
        if (spool?.isSpooled(reservationId)) return spool.release(reservationId, scope.tenantId);
        // Fail-open: a release that cannot reach the database is harmless to skip; the hold
        // expires at its TTL and the sweeper returns it.
        const r = await orSpool(
          () => ledger.release(ctx, reservationId, scope.tenantId),
          async () => ({ reservationId, status: "released" as const }),
        );
        instruments().activeHolds.add(-1, {});
        return r;
      });
    },

    record(req: RecordRequest): Promise<RecordDecision> {
      const invalid = recordProblems(req);
      if (invalid) return Promise.reject(invalid);
      const attrs = { "tollgate.tenant": req.tenantId, "tollgate.resource": req.resource };
      return withSpan("cost.record", attrs, (span) =>
        timed("record", req.resource, async () => {
          const d = await orSpool(
            () => ledger.record(ctx, req),
            () => spool!.record(req, clock()),
          );
          span.setAttribute("tollgate.outcome", d.allowed ? "allowed" : "denied");
          if (d.allowed && !d.replay) instruments().costUsd.add(d.costUsd.toNumber(), { resource: req.resource });
          return d;
        }, (d) => (d.allowed ? "allowed" : "denied")),
      );
    },

    /** Every enabled quota that applies to a tenant (and user), for the current periods. */
    async quotaStatus(q: { tenantId: string; userId?: string | null; resource?: QuotaResource }): Promise<QuotaStatus[]> {
      const now = clock();
      const resources: Resource[] = q.resource === "llm" || q.resource === "sandbox" ? [q.resource] : ["llm", "sandbox"];
      const seen = new Map<string, QuotaStatus>();
      const rows = await readUsageRows(ctx.pool, resources.map((resource) => ({ tenantId: q.tenantId, userId: q.userId ?? null, resource, at: now })));
      for (const r of rows) {
        if (q.resource === "all" && r.resource !== "all") continue;
        const used = r.spentUsd.add(r.reservedUsd);
        seen.set(r.quotaId, {
          quotaId: r.quotaId, scope: r.scope, scopeId: r.scopeId, resourceType: r.resource, period: r.period,
          periodStart: r.periodStart, resetsAt: r.resetsAt, limitUsd: r.limitUsd, spentUsd: r.spentUsd,
          reservedUsd: r.reservedUsd, enforcement: r.enforcement,
          remainingUsd: money(r.limitUsd.sub(used).isNeg() ? 0 : r.limitUsd.sub(used)),
          utilizationPercent: utilizationPercent(used, r.limitUsd),
        });
      }
      return [...seen.values()];
    },

    sweepExpired(): Promise<number> {
      return withSpan("quota.sweep", {}, async () => {
        const n = await ledger.sweepExpired(ctx);
        if (n) instruments().activeHolds.add(-n, {});
        return n;
      });
    },

    /** Runs the sweeper every intervalMs (and the spool replay when fail-open); returns a stop function. */
    startBackgroundWork(intervalMs: number, onError: (e: unknown) => void = () => {}) {
      let running = false;
      const tick = async () => {
        if (running) return;
        running = true;
        try {
          await replay();
          await ledger.sweepExpired(ctx);
        } catch (e) {
          onError(e);
        } finally {
          running = false;
        }
      };
      const timer = setInterval(tick, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },

    /**
     * Replays spooled costs now (idempotent); returns how many entries were applied. Entries
     * the ledger refuses go to the dead letters; an unavailable database is thrown, the rest kept.
     */
    replaySpool: replay,

    spoolBacklog(): number {
      return spool?.backlog() ?? 0;
    },

    /** Backlog, dead letters and the newest of them (for /readyz, the panel and metrics); null without a spool. */
    spoolStatus(limit = 100): SpoolStatus | null {
      return spool ? spool.status(limit) : null;
    },

    reconcile: () => reconcile(direct(ctx.pool)),

    /** This process's budget leases (ADR 0009): slices granted, returned, trimmed, reclaimed, batches run again, and held now. */
    leaseStats: () => decider.leaseStats(),

    /** Records a sandbox failure for the lifecycle-stage report and the errors metric. */
    async recordSandboxError(e: SandboxErrorInput): Promise<void> {
      instruments().sandboxErrors.add(1, { stage: e.stage, errorType: e.errorType });
      await direct(ctx.pool).query(
        `INSERT INTO sandbox_error_events (tenant_id, sandbox_id, touchpoint, operation, stage, error_type, message, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [e.tenantId, e.sandboxId ?? null, e.touchpoint ?? null, e.operation, e.stage, e.errorType, e.message ?? "", e.occurredAt ?? clock()],
      );
    },
  };
}

