// 90 days of demo traffic, generated deterministically for a given `now`: per tenant and day a
// number of conversations (weekday/weekend rhythm, growth, noise, injected spikes), each a
// sequence of turns that call the product's touchpoints. Every call is priced with the price
// row in effect at its time through the enforcement core's own arithmetic.
import { llmCostUsd, sandboxCostUsd } from "../../app/core/pricing-math.ts";
import { toDb } from "../../app/core/money.ts";
import { DEMO_SPIKES, HELPER_MODELS, SANDBOX_TIER_MIX, type DemoTenant, type ModelKey } from "./catalog.ts";
import type { PriceBook } from "./price-book.ts";
import { Random } from "./random.ts";

export const HISTORY_DAYS = 90;
export const DAY_MS = 86_400_000;

export interface TouchpointInfo {
  id: string;
  resource: "llm" | "sandbox";
  reservesBeforeCall: boolean;
}

export interface GeneratedCost {
  tenant: string;
  userId: string;
  conversationId: string;
  taskId: string | null;
  touchpoint: string;
  resource: "llm" | "sandbox";
  provider: string | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  tier: string | null;
  billedDurationMs: number | null;
  activeDurationMs: number | null;
  sandboxTtlSeconds: number | null;
  /** NUMERIC(24,10) text, as stored (kept as text: 100k live Decimals cost seconds of GC). */
  costUsd: string;
  llmPriceId: string | null;
  sandboxPriceId: string | null;
  /** Present when the touchpoint reserves before calling: what the hold asked for. */
  reservation: { estimateUsd: string; maxOutputTokens: number | null; expectedSeconds: number | null } | null;
  idempotencyKey: string;
  /** The call's start (the reservation time) and end (occurred_at), epoch ms. */
  startedAt: number;
  occurredAt: number;
}

/** Relative activity by local hour: quiet nights, a morning ramp, busy office hours. */
const HOURLY = [0.15, 0.1, 0.08, 0.07, 0.07, 0.1, 0.25, 0.5, 0.85, 1, 1, 0.95, 0.85, 0.95, 1, 1, 0.9, 0.75, 0.55, 0.45, 0.4, 0.35, 0.3, 0.2];

export function startOfUtcDay(ms: number) {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function generateHistory(opts: {
  now: Date;
  tenants: readonly DemoTenant[];
  touchpoints: readonly TouchpointInfo[];
  prices: PriceBook;
}): GeneratedCost[] {
  return opts.tenants.flatMap((tenant) => new TenantTraffic(tenant, opts).generate());
}

class TenantTraffic {
  private readonly rnd: Random;
  private readonly now: number;
  private readonly touchpoints: Map<string, TouchpointInfo>;
  private readonly userWeights: [string, number][];
  private readonly helpers: Record<keyof typeof HELPER_MODELS, ModelKey>;
  private seq = 0;
  private out: GeneratedCost[] = [];

  constructor(
    private readonly tenant: DemoTenant,
    private readonly opts: { now: Date; touchpoints: readonly TouchpointInfo[]; prices: PriceBook },
  ) {
    this.rnd = new Random(`history:${tenant.slug}`);
    this.now = opts.now.getTime();
    this.touchpoints = new Map(opts.touchpoints.map((t) => [t.id, t]));
    // Zipf-like: u-<slug>-1 is the heaviest user, the long tail rarely shows up.
    this.userWeights = Array.from({ length: tenant.users }, (_, i) => [`u-${tenant.slug}-${i + 1}`, 1 / (i + 1)]);
    const pick = (use: keyof typeof HELPER_MODELS): ModelKey => this.rnd.pick(HELPER_MODELS[use]);
    this.helpers = {
      "pii-sanitizer": pick("pii-sanitizer"),
      "title-generator": pick("title-generator"),
      compaction: pick("compaction"),
      "merge-summarizer": pick("merge-summarizer"),
    };
  }

  generate(): GeneratedCost[] {
    const today = startOfUtcDay(this.now);
    for (let daysAgo = HISTORY_DAYS - 1; daysAgo >= 0; daysAgo--) {
      const dayStart = today - daysAgo * DAY_MS;
      const { stoppedDaysAgo } = this.tenant;
      if (stoppedDaysAgo !== undefined && daysAgo < stoppedDaysAgo) continue;
      const limit = Math.min(dayStart + DAY_MS, this.now);
      const weekday = new Date(dayStart).getUTCDay();
      const rhythm = weekday === 0 || weekday === 6 ? 0.6 : 1;
      const growth = 1 + this.tenant.growth * ((HISTORY_DAYS - 1 - daysAgo) / (HISTORY_DAYS - 1));
      const shifted = this.tenant.levelShift && daysAgo < this.tenant.levelShift.daysAgo ? this.tenant.levelShift.factor : 1;
      const lambda = this.tenant.volume * rhythm * growth * shifted * this.rnd.logNormal(1, 0.1) * this.dayShare(dayStart, limit);
      // Today is partial; a few conversations are guaranteed so "spend today" is never zero.
      const count = Math.max(this.rnd.poisson(lambda), daysAgo === 0 ? 3 : 0);
      for (let i = 0; i < count; i++) {
        this.conversation(this.rnd.weighted(this.userWeights), this.startTime(dayStart, limit), daysAgo);
      }
      const spike = DEMO_SPIKES.find((s) => s.tenant === this.tenant.slug && s.daysAgo === daysAgo);
      if (spike) this.spike(dayStart, limit, Math.round(lambda * (spike.factor - 1)), daysAgo);
    }
    return this.out;
  }

  /** A runaway user: the extra conversations of a spike day, packed into a few hours. */
  private spike(dayStart: number, limit: number, extra: number, daysAgo: number) {
    const user = `u-${this.tenant.slug}-${this.rnd.int(2, Math.min(5, this.tenant.users))}`;
    const from = dayStart + this.rnd.int(8, 14) * 3_600_000;
    for (let i = 0; i < extra; i++) {
      const at = Math.min(from + Math.floor(this.rnd.next() * 6 * 3_600_000), limit - 1);
      this.conversation(user, at, daysAgo);
    }
  }

  /** Share of the day's activity in [dayStart, limit): 1 for past days, partial for today. */
  private dayShare(dayStart: number, limit: number) {
    let total = 0;
    let before = 0;
    for (let h = 0; h < 24; h++) {
      const w = this.hourWeight(h);
      total += w;
      const hourStart = dayStart + h * 3_600_000;
      before += w * Math.max(0, Math.min(1, (limit - hourStart) / 3_600_000));
    }
    return before / total;
  }

  private hourWeight(utcHour: number) {
    return HOURLY[(((utcHour + this.tenant.utcOffset) % 24) + 24) % 24];
  }

  private startTime(dayStart: number, limit: number): number {
    for (;;) {
      const at = dayStart + Math.floor(this.rnd.next() * DAY_MS);
      if (at < limit && this.rnd.next() < this.hourWeight(new Date(at).getUTCHours())) return at;
    }
  }

  private chatModel(daysAgo: number): ModelKey {
    const { before } = this.tenant;
    const models = before && daysAgo >= before.switchDaysAgo ? before.chatModels : this.tenant.chatModels;
    return this.rnd.weighted(models);
  }

  private conversation(userId: string, start: number, daysAgo: number) {
    const rnd = this.rnd;
    const conv = { userId, conversationId: `conv_${rnd.hex(16)}` };
    const chatModel = this.chatModel(daysAgo);
    const turns = rnd.int(1, 7);
    let t = start;
    let context = rnd.int(2_500, 6_000); // system prompt + tool definitions
    for (let turn = 0; turn < turns; turn++) {
      if (turn > 0) t += Math.round(rnd.logNormal(75_000, 0.8));
      const userMessage = rnd.int(30, 700);
      context += userMessage;
      if (rnd.chance(0.35)) {
        t = this.llm(conv, null, "pii-sanitizer", this.helpers["pii-sanitizer"], t, userMessage + 350, Math.round(userMessage * 0.4) + 20, 0);
      }
      const reply = Math.round(Math.min(4000, Math.max(40, rnd.logNormal(480, 0.55))));
      const cached = turn === 0 ? 0 : Math.floor((context - userMessage) * rnd.between(0.75, 0.95));
      const retrieved = rnd.int(4_000, 20_000); // regulation excerpts retrieved for this turn only
      t = this.llm(conv, null, "main-chat", chatModel, t, context + retrieved, reply, cached);
      context += reply;
      if (turn === 0) t = this.llm(conv, null, "title-generator", this.helpers["title-generator"], t, userMessage + 120, rnd.int(6, 18), 0);
      let taskId: string | null = null;
      if (rnd.chance(0.35)) {
        taskId = `task_${rnd.hex(12)}`;
        t = this.llm(conv, taskId, "compliance-engine", this.tenant.agentModel, t, 6_000 + context, rnd.int(300, 1400), 0);
        for (const agent of ["agent:global-regulatory", "agent:ie-social-safety"]) {
          if (rnd.chance(0.65)) {
            const input = Math.round(rnd.logNormal(45_000, 0.45));
            t = this.llm(conv, taskId, agent, this.tenant.agentModel, t, input, rnd.int(800, 3600), Math.floor(input * rnd.between(0, 0.6)));
          }
        }
      }
      if (rnd.chance(Math.min(0.9, 0.14 * this.tenant.codeHeavy))) {
        t = this.sandbox(conv, taskId ?? `task_${rnd.hex(12)}`, t);
      }
      if (context > 10_000) {
        const tp = rnd.chance(0.2) ? "compaction:merge-moderate" : "compaction:semantic";
        t = this.llm(conv, null, tp, this.helpers.compaction, t, context, rnd.int(1200, 3200), 0);
        context = rnd.int(3500, 6000);
      }
    }
    if (rnd.chance(0.05)) {
      this.llm(conv, null, "merge-summarizer", this.helpers["merge-summarizer"], t + 30_000, context + rnd.int(4000, 26_000), rnd.int(400, 1500), 0);
    }
  }

  /** One LLM call starting at t; returns when it finished. */
  private llm(
    conv: { userId: string; conversationId: string },
    taskId: string | null,
    touchpoint: string,
    modelKey: ModelKey,
    t: number,
    inputTokens: number,
    outputTokens: number,
    cachedTokens: number,
  ): number {
    const end = t + 350 + outputTokens * 18 + Math.floor(this.rnd.next() * 900);
    const price = this.opts.prices.llmAt(modelKey, end);
    const info = this.touchpoints.get(touchpoint);
    if (!price || !info || end > this.now) return end;
    // Providers without a cached rate do not report cached tokens.
    const cachedInputTokens = price.cachedInputUsdPerMillion === null ? null : Math.min(cachedTokens, inputTokens);
    const maxOutputTokens = [1024, 2048, 4096, 8192].find((m) => m >= outputTokens * 1.3) ?? 16_384;
    const [provider, model] = modelKey.split("/");
    this.out.push({
      tenant: this.tenant.slug, userId: conv.userId, conversationId: conv.conversationId, taskId, touchpoint,
      resource: "llm", provider, model,
      inputTokens, outputTokens, cachedInputTokens,
      tier: null, billedDurationMs: null, activeDurationMs: null, sandboxTtlSeconds: null,
      costUsd: toDb(llmCostUsd(price, { inputTokens, outputTokens, cachedInputTokens: cachedInputTokens ?? 0 })),
      llmPriceId: price.id, sandboxPriceId: null,
      // The core estimates with all input uncached and the full output budget, so estimate >= actual.
      reservation: info.reservesBeforeCall
        ? { estimateUsd: toDb(llmCostUsd(price, { inputTokens, outputTokens: maxOutputTokens })), maxOutputTokens, expectedSeconds: null }
        : null,
      idempotencyKey: this.nextKey(), startedAt: t, occurredAt: end,
    });
    return end;
  }

  /**
   * One sandbox run. The TTL is a lifetime from creation (like E2B's timeout): most runs are
   * killed when their work is done, after a short tail; a few are forgotten and billed until the
   * TTL ends them — the idle time that TTL advice finds (about a tenth of sandbox cost, as the
   * system Tollgate replaces saved).
   */
  private sandbox(conv: { userId: string; conversationId: string }, taskId: string, t: number): number {
    const rnd = this.rnd;
    const ttlMs = this.tenant.sandboxTtlSeconds * 1000;
    const ttl = this.tenant.sandboxTtlSeconds;
    const tier = rnd.weighted(SANDBOX_TIER_MIX);
    const active = Math.round(Math.min(ttlMs - 1_000, Math.max(1_500, rnd.logNormal(45_000, 0.9))));
    const billed = rnd.chance(0.03) ? ttlMs : Math.min(ttlMs, active + rnd.int(500, 8_000));
    const end = t + billed;
    const price = this.opts.prices.sandboxAt(tier, end);
    const info = this.touchpoints.get("sandbox:create");
    if (!price || !info || end > this.now) return t + active;
    const expectedSeconds = Math.max(ttl + 600, Math.ceil(billed / 1000));
    this.out.push({
      tenant: this.tenant.slug, userId: conv.userId, conversationId: conv.conversationId, taskId, touchpoint: info.id,
      resource: "sandbox", provider: null, model: null,
      inputTokens: null, outputTokens: null, cachedInputTokens: null,
      tier, billedDurationMs: billed, activeDurationMs: active, sandboxTtlSeconds: ttl,
      costUsd: toDb(sandboxCostUsd(price.usdPerSecond, billed)),
      llmPriceId: null, sandboxPriceId: price.id,
      reservation: info.reservesBeforeCall
        ? { estimateUsd: toDb(sandboxCostUsd(price.usdPerSecond, expectedSeconds * 1000)), maxOutputTokens: null, expectedSeconds }
        : null,
      idempotencyKey: this.nextKey(), startedAt: t, occurredAt: end,
    });
    return t + active; // the conversation goes on while the sandbox idles
  }

  // Records are built as literals of one shape: spreading ~25 fields per record made V8 fall
  // back to slow objects and tripled the generation time.
  private nextKey() {
    return `seed-${this.tenant.slug}-${++this.seq}`;
  }
}
