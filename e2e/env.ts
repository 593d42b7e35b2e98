// Where the e2e server and its database live (shared by playwright.config.ts and the tests).
const port = 3100;
const pgPort = 54331;

export const E2E = {
  port,
  pgPort,
  baseUrl: `http://127.0.0.1:${port}`,
  dataDir: ".data/e2e",
  databaseUrl: `postgresql://postgres:tollgate@127.0.0.1:${pgPort}/tollgate`,
} as const;
