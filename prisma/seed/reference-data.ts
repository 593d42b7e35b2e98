// The reference data files shipped in prisma/seed-data/ (users' machines have no shared/),
// parsed into typed rows. The CSVs are small and fixed, so a minimal RFC 4180 reader is enough.
import { readFileSync } from "node:fs";
import path from "node:path";

export const SEED_DATA_DIR = path.resolve(import.meta.dirname, "../seed-data");

/** Parses CSV text with a header row; quoted fields may contain commas and doubled quotes. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field), (field = "");
      if (row.some((f) => f !== "")) rows.push(row);
      row = [];
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== "")) rows.push(row);
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), (r[i] ?? "").trim()])));
}

function readCsv(file: string) {
  return parseCsv(readFileSync(path.join(SEED_DATA_DIR, file), "utf8"));
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
