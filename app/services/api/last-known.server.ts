// Fail-open mode must keep the product working while the database is down, but the API needs
// the database to check keys and find tenants. So the last answer for each key/tenant is kept
// and served ONLY while the database is unreachable in fail-open mode; whenever the database
// answers, it is asked (revocations and renames take effect at once). An answer of "none" (a
// revoked key, a deleted tenant) drops the entry: kept, it let a revoked key back in during the
// next outage. `forget` drops entries at once when this process revokes a key; a key revoked by
// another process is dropped here at its next request while the database is up.
import { isDatabaseUnavailable } from "~/db/availability.ts";
import { getConfig } from "~/services/config.server.ts";
import { ApiError } from "./respond.server.ts";

const MAX_ENTRIES = 1000;

export function lastKnown<T>() {
  const entries = new Map<string, T>();
  async function lookup(id: string, load: () => Promise<T>): Promise<T> {
    try {
      const value = await load();
      if (value == null) {
        entries.delete(id);
      } else {
        if (entries.size >= MAX_ENTRIES && !entries.has(id)) entries.delete(entries.keys().next().value!);
        entries.set(id, value);
      }
      return value;
    } catch (e) {
      if (!isDatabaseUnavailable(e)) throw e;
      const known = getConfig().QUOTA_FAIL_MODE === "open" ? entries.get(id) : undefined;
      if (known !== undefined) return known;
      throw new ApiError(503, "quota_unavailable", "The quota store is unavailable; try again shortly.");
    }
  }
  /** Drops every entry whose value matches (e.g. the key just revoked). */
  function forget(matches: (value: T) => boolean) {
    for (const [id, value] of entries) if (matches(value)) entries.delete(id);
  }
  return Object.assign(lookup, { forget });
}
