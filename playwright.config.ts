// End-to-end tests in Chromium against a real `npm start`: the web server below wipes its own
// data directory, starts a dedicated embedded PostgreSQL (port 54331), migrates, seeds the demo
// data and serves on port 3100, so e2e runs never touch a developer's .data/.
import { defineConfig, devices } from "@playwright/test";
import { E2E } from "./e2e/env.ts";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: "list",
  // Runs while the web server still does, after every spec: the server's log holds no secret.
  globalTeardown: "./e2e/log-secrets.teardown.ts",
  // 60 s: on a fresh 2-core CI machine (two Playwright workers, Chromium, two app processes and
  // PostgreSQL on two cores) the longest walk through the explorer took 34.8 s (22 s on a warm
  // checkout). A timeout is not an assertion: every expectation keeps its own 10 s limit.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: E2E.baseUrl,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      // Debian's Chromium; Playwright's browser download does not work on these machines.
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 800 } } }],
  webServer: {
    // node --import tsx, not npx (npx leaves orphaned servers behind) nor the tsx CLI (it
    // SIGKILLs its child when the child does not confirm a relayed SIGTERM within 30 ms).
    // Its log goes to a file that e2e/log-secrets.teardown.ts searches for secrets afterwards.
    command: `rm -rf ${E2E.dataDir} && mkdir -p .data && exec node --import tsx scripts/start.ts > ${E2E.serverLog}`,
    url: `${E2E.baseUrl}/login`,
    env: {
      DATA_DIR: E2E.dataDir,
      EMBEDDED_PG_PORT: String(E2E.pgPort),
      PORT: String(E2E.port),
      HOST: "127.0.0.1",
      // Empty counts as unset: always the dedicated embedded database, even if the shell has one.
      DATABASE_URL: "",
      SEED_DEMO: "true",
      LOG_FORMAT: "json",
      // Alerts: the outbox worker polls every second so delivery shows up within a test's
      // timeout; a fixed key seals channel secrets (no generated key file, no warning).
      ALERT_WORKER_INTERVAL_SECONDS: "1",
      SECRETS_KEY: "e2e-only-secrets-key-not-for-production",
      // The e2e receivers listen on 127.0.0.1 (random ports): admitted for platform channels
      // only, as an operator would list an internal receiver; tenant channels are still refused.
      ALERT_ALLOWED_HOSTS: "127.0.0.1:*",
    },
    // The first start initialises PostgreSQL, migrates and seeds 90 days of history.
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    // SIGTERM lets start.ts stop PostgreSQL cleanly instead of leaving it running.
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
  },
});
