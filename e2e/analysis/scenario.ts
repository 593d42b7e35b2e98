// A tenant whose history the analysis must flag, built through /api/v1 only: a new tenant
// (default quotas LLM $100/month, sandbox $50, all $150), 90 days of backfilled spend and one
// analysis run. 90 days because the job judges the last 60 days, each against the 28 before it:
// a shorter history puts empty days into a baseline, and ordinary days then look like spikes.
//   - LLM at a steady daily rate chosen from today's date so that this month's spend is still
//     under $100 but the pace passes it before the month ends: a forecast breach of the LLM
//     monthly quota, whatever day of the month the suite runs on.
//   - Sandbox at $1 a day with one $12 day two days ago: exactly one daily anomaly.
import { expect } from "@playwright/test";
import { api, unique } from "../quotas/api.ts";

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 90;
export const SPIKE_DAYS_AGO = 2;
export const LLM_LIMIT = 100;

export interface Scenario {
  id: string;
  slug: string;
  name: string;
  /** YYYY-MM-DD of the sandbox spike. */
  spikeDay: string;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function usage(tenantId: string, resource: "llm" | "sandbox", usd: number, occurredAt: string) {
  const r = await api("POST", "/usage", {
    tenantId,
    resource,
    idempotencyKey: `e2e-analysis-${resource}-${occurredAt}`,
    actualCostUsd: Number(usd.toFixed(6)),
    touchpoint: resource === "llm" ? "main-chat" : "code-exec",
    occurredAt,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

export async function createScenario(now = new Date()): Promise<Scenario> {
  const slug = `e2e-an-${unique()}`;
  const name = `E2E Analysis ${slug.slice(-6)}`;
  const created = await api("POST", "/tenants", { slug, name });
  expect(created.status).toBe(201);
  const id = created.body.id as string;

  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const wholeDays = (today - monthStart) / DAY_MS; // days of this month before today
  const remainingDays = (monthEnd - now.getTime()) / DAY_MS;
  // spent = rate × wholeDays < limit, and rate × (wholeDays + remainingDays) = 2 × ... > limit.
  const rate = LLM_LIMIT / (wholeDays + remainingDays / 2);

  const calls: Promise<void>[] = [];
  for (let back = HISTORY_DAYS; back >= 1; back--) {
    const noon = new Date(today - back * DAY_MS + DAY_MS / 2).toISOString();
    calls.push(usage(id, "llm", rate, noon));
    calls.push(usage(id, "sandbox", back === SPIKE_DAYS_AGO ? 12 : 1, noon));
    if (calls.length >= 10) await Promise.all(calls.splice(0));
  }
  await Promise.all(calls);
  return { id, slug, name, spikeDay: isoDay(today - SPIKE_DAYS_AGO * DAY_MS) };
}

/**
 * POST /api/v1/analysis/run with the demo platform key; returns when the run is done. A 409
 * means another run holds the lock (the server's scheduled run, another worker's test): that
 * run may have started before our data was written, so wait and run again.
 */
export async function runAnalysis() {
  for (let attempt = 0; ; attempt++) {
    const r = await api("POST", "/analysis/run");
    if (r.status === 409 && attempt < 60) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  }
}
