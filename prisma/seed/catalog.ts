// Who is in the demo and how each tenant behaves. Plain data: the history generator turns it
// into cost records, people.ts into rows. Model names must exist in llm-prices-2026q1.csv.

export const DEMO_PASSWORD = "tollgate-demo";

export const DEMO_STAFF = [
  { email: "admin@tollgate.dev", name: "Ada Admin", role: "admin" },
  { email: "finance@tollgate.dev", name: "Fiona Finance", role: "finance" },
  { email: "ops@tollgate.dev", name: "Oscar Ops", role: "ops" },
] as const;

export const DEMO_TENANT_ADMINS = [
  { email: "admin@acme.test", name: "Alice Acme", tenant: "acme" },
  { email: "admin@globex.test", name: "Gus Globex", tenant: "globex" },
] as const;

/** "provider/model" keys of the price list. */
export type ModelKey = `${string}/${string}`;

/**
 * How a tenant's tenant-scope quotas are tuned after its history is known: `normal` stays under
 * 60% this month; the `near-*` ones land between 80% and 99% (of the month, or — in the first days
 * of a month, when a month limit at 90% of a day's spend would be absurd — of a day quota); the
 * `breach-llm` one is under its LLM month limit but on pace to pass it before the month ends.
 */
export type Budget = "normal" | "near-llm" | "near-sandbox" | "breach-llm";

export interface DemoTenant {
  slug: string;
  name: string;
  /** Conversations per weekday at the start of the 90 days. */
  volume: number;
  /** Distinct end users (external ids `u-<slug>-1` … `u-<slug>-N`), 5–30. */
  users: number;
  /** Hours from UTC of where most of its users work (for the daily rhythm). */
  utcOffset: number;
  /** Growth of daily volume over the 90 days (0.2 = +20%). */
  growth: number;
  /** Main chat models with weights; `before` is what they used until `switchDaysAgo`. */
  chatModels: [ModelKey, number][];
  before?: { switchDaysAgo: number; chatModels: [ModelKey, number][] };
  /** The model its compliance agents run on. */
  agentModel: ModelKey;
  /** Multiplier on how often a task runs code in a sandbox. */
  codeHeavy: number;
  /** TTL its sandboxes are created with: long TTLs leave long idle tails (TTL advice). */
  sandboxTtlSeconds: number;
  budget: Budget;
  status: "active" | "suspended";
  /** A level shift: from this many days ago on, `factor` × its usual traffic for good. */
  levelShift?: { daysAgo: number; factor: number };
  /** A suspended tenant's traffic stops this many days ago. */
  stoppedDaysAgo?: number;
  createdDaysAgo: number;
}

export const DEMO_TENANTS: DemoTenant[] = [
  {
    slug: "acme", name: "Acme Corp", volume: 16, users: 30, utcOffset: -5, growth: 0.3,
    chatModels: [["anthropic/claude-sonnet-4-5-20250929", 6], ["openai/gpt-5", 3], ["openai/gpt-5-mini", 2]],
    before: { switchDaysAgo: 52, chatModels: [["anthropic/claude-sonnet-4-20250514", 6], ["openai/gpt-4.1", 4]] },
    agentModel: "anthropic/claude-sonnet-4-5-20250929", codeHeavy: 1.2, sandboxTtlSeconds: 600,
    budget: "normal", status: "active", createdDaysAgo: 410,
  },
  {
    slug: "globex", name: "Globex", volume: 14, users: 28, utcOffset: 1, growth: 0.2,
    chatModels: [["openai/gpt-4.1", 5], ["google/gemini-2.5-pro", 3], ["anthropic/claude-haiku-4-5-20251001", 2]],
    agentModel: "anthropic/claude-sonnet-4-5-20250929", codeHeavy: 1, sandboxTtlSeconds: 900,
    budget: "normal", status: "active", createdDaysAgo: 380,
  },
  {
    slug: "initech", name: "Initech", volume: 6, users: 12, utcOffset: -6, growth: 0.35,
    chatModels: [["openai/gpt-5", 5], ["openai/o4-mini", 2]],
    agentModel: "openai/gpt-5", codeHeavy: 0.6, sandboxTtlSeconds: 300,
    budget: "near-llm", status: "active", createdDaysAgo: 300,
  },
  {
    slug: "umbrella", name: "Umbrella Health", volume: 7, users: 20, utcOffset: 0, growth: 0.1,
    chatModels: [["anthropic/claude-sonnet-4-5-20250929", 4], ["anthropic/claude-haiku-4-5-20251001", 3]],
    agentModel: "anthropic/claude-haiku-4-5-20251001", codeHeavy: 0.8, sandboxTtlSeconds: 600,
    budget: "normal", status: "active", createdDaysAgo: 260,
  },
  {
    slug: "hooli", name: "Hooli", volume: 6, users: 18, utcOffset: -8, growth: 0.45,
    chatModels: [["google/gemini-2.5-flash", 4], ["google/gemini-2.5-pro", 3]],
    agentModel: "google/gemini-2.5-pro", codeHeavy: 1.5, sandboxTtlSeconds: 600,
    budget: "near-llm", status: "active", createdDaysAgo: 240,
  },
  {
    slug: "soylent", name: "Soylent Foods", volume: 4, users: 10, utcOffset: 2, growth: 0.05,
    chatModels: [["openai/gpt-4o", 4], ["openai/gpt-4o-mini", 4]],
    agentModel: "openai/gpt-4.1", codeHeavy: 0.5, sandboxTtlSeconds: 300,
    budget: "normal", status: "active", createdDaysAgo: 220,
  },
  {
    slug: "wonka", name: "Wonka Industries", volume: 4, users: 8, utcOffset: 1, growth: 0.15,
    chatModels: [["groq/llama-3.3-70b-versatile", 5], ["openai/gpt-5-mini", 2]],
    agentModel: "openai/gpt-5-mini", codeHeavy: 0.7, sandboxTtlSeconds: 300,
    budget: "normal", status: "active", createdDaysAgo: 200,
  },
  {
    slug: "tyrell", name: "Tyrell Systems", volume: 5, users: 14, utcOffset: 9, growth: 0.25,
    chatModels: [["anthropic/claude-opus-4-5-20251101", 2], ["anthropic/claude-sonnet-4-5-20250929", 5]],
    agentModel: "anthropic/claude-sonnet-4-5-20250929", codeHeavy: 1.1, sandboxTtlSeconds: 900,
    // Rolled out to all its departments 11 days ago (six times the traffic): the analysis flags the
    // first days, then takes the new level as normal (and the forecast's rate starts there). Six,
    // because a tenant of five conversations a day is noisy: a smaller step is not three days in
    // a row above the band on every date the demo may be seeded.
    levelShift: { daysAgo: 12, factor: 6 },
    budget: "normal", status: "active", createdDaysAgo: 180,
  },
  {
    slug: "cyberdyne", name: "Cyberdyne Analytics", volume: 4, users: 9, utcOffset: -5, growth: 0.4,
    chatModels: [["openai/gpt-4.1-mini", 5], ["openai/o3", 2]],
    agentModel: "openai/o3", codeHeavy: 4, sandboxTtlSeconds: 900,
    budget: "near-sandbox", status: "active", createdDaysAgo: 150,
  },
  {
    slug: "pied-piper", name: "Pied Piper", volume: 4, users: 6, utcOffset: -8, growth: 0.6,
    chatModels: [["groq/llama-3.1-8b-instant", 3], ["google/gemini-2.0-flash", 4]],
    agentModel: "google/gemini-2.5-flash", codeHeavy: 2, sandboxTtlSeconds: 300,
    budget: "breach-llm", status: "active", createdDaysAgo: 120,
  },
  {
    slug: "wayne", name: "Wayne Enterprises", volume: 5, users: 16, utcOffset: -5, growth: 0.12,
    chatModels: [["openai/gpt-5", 4], ["anthropic/claude-sonnet-4-5-20250929", 3]],
    before: { switchDaysAgo: 30, chatModels: [["openai/gpt-4o", 5], ["anthropic/claude-3-5-sonnet-20241022", 3]] },
    agentModel: "openai/gpt-5", codeHeavy: 0.9, sandboxTtlSeconds: 600,
    budget: "normal", status: "active", createdDaysAgo: 330,
  },
  {
    slug: "vandelay", name: "Vandelay Imports", volume: 3, users: 5, utcOffset: -5, growth: 0,
    chatModels: [["openai/gpt-4o-mini", 5], ["openai/gpt-3.5-turbo", 2]],
    agentModel: "openai/gpt-4o-mini", codeHeavy: 0.4, sandboxTtlSeconds: 300,
    budget: "normal", status: "suspended", stoppedDaysAgo: 40, createdDaysAgo: 280,
  },
];

/** Injected anomalies: one tenant's day at `factor` times its normal spend (a runaway user). */
export const DEMO_SPIKES = [
  { tenant: "umbrella", daysAgo: 58, factor: 5 },
  { tenant: "globex", daysAgo: 41, factor: 4.5 },
  { tenant: "soylent", daysAgo: 17, factor: 7.5 },
  { tenant: "acme", daysAgo: 4, factor: 6 },
] as const;

/** User-scope quotas on a few heavy end users. */
export const DEMO_USER_QUOTAS = [
  { tenant: "acme", userId: "u-acme-1", resource: "llm", period: "day", limitUsd: "25" },
  { tenant: "acme", userId: "u-acme-2", resource: "sandbox", period: "week", limitUsd: "20" },
  { tenant: "globex", userId: "u-globex-1", resource: "all", period: "month", limitUsd: "400" },
] as const;

/**
 * A tenant's default cap for each of its end users (ADR 0016): acme lets no end user spend more
 * than `limitUsd` a day on LLM calls (hard, warning at 80%). u-acme-1 has its own LLM day quota,
 * which replaces the default for them. Two end users first seen today show both states: `hit`
 * spent exactly the limit and was refused after that; `near` is past the warning. Their ids are
 * outside the generated users (u-acme-1 … u-acme-30), so their day is exactly these calls. The
 * limit is raised (in steps of itself) if a generated user's spend today would pass 75% of it.
 */
export const DEMO_USER_CAP = {
  tenant: "acme",
  resource: "llm",
  period: "day",
  limitUsd: 6,
  warningThresholds: [80],
  enforcement: "hard",
  hit: { userId: "u-acme-31", shareOfLimit: 1 },
  near: { userId: "u-acme-32", shareOfLimit: 0.875 },
  /** Each of their calls: gpt-5, this many tokens in and out ($0.20 + $0.05 at $1.25 / $10 per 1M). */
  call: { model: "openai/gpt-5", inputTokens: 160_000, outputTokens: 5_000 },
} as const;

/** Cheap models the helper touchpoints run on (one picked per tenant). */
export const HELPER_MODELS = {
  "pii-sanitizer": ["openai/gpt-5-nano", "google/gemini-2.5-flash-lite", "groq/llama-3.1-8b-instant"],
  "title-generator": ["openai/gpt-4o-mini", "groq/llama-3.1-8b-instant", "google/gemini-2.0-flash-lite"],
  compaction: ["openai/gpt-4.1-mini", "google/gemini-2.5-flash", "anthropic/claude-haiku-4-5-20251001"],
  "merge-summarizer": ["openai/gpt-5-mini", "anthropic/claude-3-5-haiku-20241022", "google/gemini-2.0-flash"],
} as const satisfies Record<string, readonly ModelKey[]>;

/** Sandbox tiers by share of runs. */
export const SANDBOX_TIER_MIX = [
  ["standard", 76],
  ["high-cpu", 12],
  ["high-memory", 9],
  ["gpu", 3],
] as const;
