// The fail-open spool as operators see it: this instance's backlog and the spool directory's
// dead letters (/readyz, the overview banner, the /spool page). In fail-closed mode no spool
// runs, but a directory an earlier fail-open run left is still reported: its entries wait
// until the instance runs in open mode again.
import { inspectSpoolDir, type SpoolStatus } from "~/core/index.ts";
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
