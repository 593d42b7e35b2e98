// After the whole e2e run: the server's log (every request of every spec, JSON lines written by
// the web server in playwright.config.ts) holds the request lines and no secret — neither the
// seeded ones (demo key and password, the e2e SECRETS_KEY, the embedded database's password) nor
// anything shaped like one that the specs typed (API keys `tg_…`, webhook secrets `whsec-…`,
// session cookies, the secret webhook paths of the alert specs).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { E2E } from "./env.ts";
import { DEMO_PLATFORM_KEY } from "./quotas/api.ts";

export default function checkServerLog() {
  const file = E2E.serverLog;
  // A run of only some specs against a server started elsewhere has no log here to check.
  if (!existsSync(file)) return;
  const log = readFileSync(file, "utf8");
  const requests = log.split("\n").filter((l) => l.includes('"msg":"request"')).length;
  if (requests === 0) throw new Error(`${file} has no request lines: the server did not log the run`);
  const passwordFile = path.join(import.meta.dirname, "..", E2E.dataDir, "postgres.password");
  const exact: Record<string, string> = {
    "demo platform key": DEMO_PLATFORM_KEY,
    "demo password": "tollgate-demo",
    "e2e SECRETS_KEY": "e2e-only-secrets-key-not-for-production",
    "a tenant channel's signing secret": "acme-signing-secret",
    "a tenant channel's secret URL path": "T0K3N",
    ...(existsSync(passwordFile) ? { "embedded PostgreSQL password": readFileSync(passwordFile, "utf8").trim() } : {}),
  };
  const shaped: Record<string, RegExp> = {
    "an API key": /tg_[A-Za-z0-9_-]{32,}/,
    "a webhook signing secret": /whsec-[A-Za-z0-9-]+/,
    "a session cookie": /tollgate_session=/,
  };
  const found = [
    ...Object.entries(exact).filter(([, v]) => log.includes(v)).map(([k]) => k),
    ...Object.entries(shaped).filter(([, re]) => re.test(log)).map(([k]) => k),
  ];
  if (found.length) throw new Error(`the e2e server's log (${file}) contains ${found.join(", ")}`);
  console.log(`e2e server log: ${requests} request lines, no secrets (${file})`);
}
