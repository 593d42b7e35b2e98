// The fail-open spool as operators see it: this instance's backlog and the spool directory's
// dead letters (/readyz, the overview banner, the /spool page). In fail-closed mode no spool
// runs, but a directory an earlier fail-open run left is still reported: its entries wait
// until an instance runs in open mode again.
import { inspectSpoolDir, type SpoolStatus } from "~/core/index.ts";
import { isUuid } from "~/core/index.ts";
import { dbPool } from "~/db/client.server.ts";
import { getConfig } from "./config.server.ts";
import { spoolDir, tollgate } from "./tollgate.server.ts";

export interface SpoolReport extends SpoolStatus {
  mode: "open" | "closed";
}

export function spoolReport(limit = 100): SpoolReport {
  const status = tollgate().spoolStatus(limit);
  if (status) return { mode: "open", ...status };
  return { mode: getConfig().QUOTA_FAIL_MODE, ...inspectSpoolDir(spoolDir(), limit) };
}

export interface DeadLetterRow {
  id: string;
  at: string;
  kind: string;
  /** The tenant's slug, or its id when it no longer exists; null when the entry had none. */
  tenant: string | null;
  reasonCode: string;
  reasonMessage: string;
  source: string;
}

const PAGE_LIMIT = 200;

/** The /spool page: counts, and the newest dead letters with their tenant and reason. */
export async function getSpoolPage() {
  const report = spoolReport(PAGE_LIMIT);
  const ids = [...new Set(report.recent.map((d) => d.tenantId).filter(isUuid))];
  // The page must also work during the outage that filled the spool: slugs are a nicety.
  const slugs = new Map<string, string>();
  if (ids.length > 0) {
    const { rows } = await dbPool()
      .query(`SELECT id::text AS id, slug FROM tenants WHERE id = ANY($1::uuid[])`, [ids])
      .catch(() => ({ rows: [] as { id: string; slug: string }[] }));
    for (const r of rows) slugs.set(r.id, r.slug);
  }
  const deadLetters: DeadLetterRow[] = report.recent.map((d, i) => ({
    id: `${d.source}:${d.at}:${i}`,
    at: d.at,
    kind: d.kind,
    tenant: d.tenantId ? slugs.get(d.tenantId) ?? d.tenantId : null,
    reasonCode: d.reason.code,
    reasonMessage: d.reason.message,
    source: d.source,
  }));
  return { mode: report.mode, backlog: report.backlog, deadLetterCount: report.deadLetters, shown: deadLetters.length, deadLetters };
}
