// The reference data files shipped in prisma/seed-data/ (users' machines have no shared/),
// parsed into typed rows with the app's CSV reader (the same one the price imports use).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseCsv } from "../../app/services/csv.ts";

export const SEED_DATA_DIR = path.resolve(import.meta.dirname, "../seed-data");

/** The file's rows as objects keyed by the header's (trimmed) names; blank lines are skipped. */
function readCsv(file: string): Record<string, string>[] {
  const [header, ...body] = parseCsv(readFileSync(path.join(SEED_DATA_DIR, file), "utf8")).filter((r) => r.some((f) => f.trim() !== ""));
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), (r[i] ?? "").trim()])));
}
export interface LlmPriceRow {
  provider: string;
  model: string;
  inputUsdPerMillion: string;
  outputUsdPerMillion: string;
  cachedInputUsdPerMillion: string | null;
  effectiveFrom: string;
  note: string;
}

export interface SandboxPriceRow {
  tier: string;
  usdPerSecond: string;
  effectiveFrom: string;
  note: string;
}

export interface TouchpointRow {
  id: string;
  name: string;
  resource: "llm" | "sandbox";
  priority: string;
  reservesBeforeCall: boolean;
}

export function loadLlmPrices(): LlmPriceRow[] {
  return readCsv("llm-prices-2026q1.csv").map((r) => ({
    provider: r.provider,
    model: r.model,
    inputUsdPerMillion: r.input_usd_per_1m,
    outputUsdPerMillion: r.output_usd_per_1m,
    cachedInputUsdPerMillion: r.cached_input_usd_per_1m === "" ? null : r.cached_input_usd_per_1m,
    effectiveFrom: r.effective_from,
    note: r.note,
  }));
}

export function loadSandboxPrices(): SandboxPriceRow[] {
  return readCsv("sandbox-prices.csv").map((r) => ({
    tier: r.tier,
    usdPerSecond: r.usd_per_second,
    effectiveFrom: r.effective_from,
    note: r.note,
  }));
}

export function loadTouchpoints(): TouchpointRow[] {
  return readCsv("touchpoints.csv").map((r) => {
    if (r.resource !== "llm" && r.resource !== "sandbox") throw new Error(`touchpoints.csv: bad resource for ${r.id}`);
    return {
      id: r.id,
      name: r.name,
      resource: r.resource,
      priority: r.priority,
      reservesBeforeCall: r.reserves_before_call === "true",
    };
  });
}
