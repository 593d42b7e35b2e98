// The anomalies page: its filters (in the URL) and the review form of one finding.
import { z } from "zod";

export const ANOMALY_STATUSES = ["open", "acknowledged", "dismissed"] as const;

// Filters are only filters: a bad value falls back to the default rather than an error page.
export const anomalyFilters = z.object({
  status: z.enum([...ANOMALY_STATUSES, "all"]).catch("open").default("open"),
  tenant: z.string().trim().max(63).regex(/^[a-z0-9-]+$/).optional().catch(undefined),
  resource: z.enum(["llm", "sandbox"]).optional().catch(undefined),
});
export type AnomalyFilters = z.infer<typeof anomalyFilters>;

export function parseAnomalyFilters(params: URLSearchParams): AnomalyFilters {
  return anomalyFilters.parse(Object.fromEntries([...params].filter(([, v]) => v !== "")));
}

/** What each review button sets. */
export const REVIEW_INTENTS = { acknowledge: "acknowledged", dismiss: "dismissed", reopen: "open" } as const;

export const reviewForm = z.object({
  intent: z.enum(["acknowledge", "dismiss", "reopen"], { message: "choose acknowledge, dismiss or re-open" }),
  id: z.uuid({ message: "not a finding id" }),
});
