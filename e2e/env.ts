// Where the e2e server and its database live (shared by playwright.config.ts and the tests).
// E2E_PORT / E2E_PG_PORT let two checkouts run their e2e suites on one machine at once.
const port = Number(process.env.E2E_PORT ?? 3100);
const pgPort = Number(process.env.E2E_PG_PORT ?? 54331);

export const E2E = {
  port,
  pgPort,
  baseUrl: `http://127.0.0.1:${port}`,
  dataDir: ".data/e2e",
  databaseUrl: `postgresql://postgres:tollgate@127.0.0.1:${pgPort}/tollgate`,
} as const;
