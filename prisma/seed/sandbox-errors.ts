// Sandbox failures for the "errors by lifecycle stage" page: a few percent of sandbox runs
// hit an error, weighted towards execution, connection and initialization (as in the replaced
// system), plus one short connection incident that hits every tenant at once.
import type { GeneratedCost } from "./history.ts";
import { DAY_MS, startOfUtcDay } from "./history.ts";
import { Random } from "./random.ts";

export type SandboxStage =
  | "initialization" | "quota_validation" | "resource_allocation" | "connection" | "execution"
  | "result_retrieval" | "cleanup" | "monitoring" | "unknown";

export interface GeneratedSandboxError {
  tenant: string;
  sandboxId: string;
  touchpoint: string;
  operation: string;
  stage: SandboxStage;
  errorType: string;
  message: string;
  occurredAt: number;
}

const STAGES: readonly (readonly [SandboxStage, number, readonly (readonly [operation: string, errorType: string, message: string])[]])[] = [
  ["execution", 30, [
    ["sandbox.runCode", "ExecutionTimeout", "cell exceeded the 300 s execution limit"],
    ["sandbox.runCode", "ProcessExitError", "process exited with code 137 (out of memory)"],
    ["sandbox.runCode", "KernelDied", "the Jupyter kernel died unexpectedly"],
  ]],
  ["connection", 20, [
    ["sandbox.connect", "ConnectionReset", "read ECONNRESET"],
    ["sandbox.connect", "WebSocketClosed", "websocket closed with code 1006"],
    ["sandbox.connect", "Timeout", "connect ETIMEDOUT after 10000 ms"],
  ]],
  ["initialization", 17, [
    ["Sandbox.create", "SandboxStartTimeout", "sandbox did not become ready within 30 s"],
    ["Sandbox.create", "TemplateNotFound", "template 'python-data' was not found"],
  ]],
  ["resource_allocation", 9, [
    ["Sandbox.create", "InsufficientCapacity", "no capacity for the requested tier in this region"],
    ["Sandbox.create", "AllocationTimeout", "resource allocation timed out"],
  ]],
  ["result_retrieval", 8, [
    ["sandbox.files.read", "FileNotFound", "output file /home/user/result.json does not exist"],
    ["sandbox.files.read", "PayloadTooLarge", "result exceeds 50 MB"],
  ]],
  ["cleanup", 6, [
    ["sandbox.kill", "SandboxNotFound", "sandbox already expired"],
    ["sandbox.kill", "KillTimeout", "kill did not complete within 15 s"],
  ]],
  ["quota_validation", 4, [["Sandbox.create", "RateLimited", "concurrent sandbox limit (20) reached"]]],
  ["monitoring", 4, [["sandbox.getMetrics", "MetricsUnavailable", "metrics endpoint returned 503"]]],
  ["unknown", 2, [["unknown", "UnknownError", "unexpected error"]]],
];

const ERROR_RATE = 0.045;
const INCIDENT_DAYS_AGO = 9;

export function generateSandboxErrors(costs: readonly GeneratedCost[], now: Date): GeneratedSandboxError[] {
  const rnd = new Random("sandbox-errors");
  const out: GeneratedSandboxError[] = [];
  const weights = STAGES.map((s) => [s, s[1]] as const);
  const sandboxRuns = costs.filter((c) => c.resource === "sandbox");
  for (const run of sandboxRuns) {
    if (!rnd.chance(ERROR_RATE)) continue;
    const [stage, , kinds] = rnd.weighted(weights);
    const [operation, errorType, message] = rnd.pick(kinds);
    out.push({
      tenant: run.tenant,
      sandboxId: `sbx_${rnd.hex(16)}`,
      touchpoint: run.touchpoint,
      operation, stage, errorType, message,
      occurredAt: run.startedAt + Math.floor(rnd.next() * (run.occurredAt - run.startedAt)),
    });
  }
  // The incident: 40 minutes of dropped connections for every tenant that ran sandboxes then.
  const incidentStart = startOfUtcDay(now.getTime()) - INCIDENT_DAYS_AGO * DAY_MS + 15 * 3_600_000;
  const active = sandboxRuns.filter((r) => Math.abs(r.occurredAt - incidentStart) < 2 * DAY_MS);
  const tenants = [...new Set(active.map((r) => r.tenant))];
  for (const tenant of tenants) {
    for (let i = rnd.int(3, 9); i > 0; i--) {
      const [operation, errorType, message] = rnd.pick(STAGES[1][2]);
      const occurredAt = incidentStart + Math.floor(rnd.next() * 40 * 60_000);
      if (occurredAt > now.getTime()) continue;
      out.push({ tenant, sandboxId: `sbx_${rnd.hex(16)}`, touchpoint: "sandbox:create", operation, stage: "connection", errorType, message, occurredAt });
    }
  }
  return out;
}
