import { startEmbeddedPostgres, ensureDatabase, withDatabase } from "../lib/postgres.ts";
const s = await startEmbeddedPostgres({ dir: "/tmp/devpg", port: 54399, persistent: true, onLog: () => {} });
await ensureDatabase(withDatabase(s.adminUrl, "dev"));
console.log("up", s.adminUrl);
setInterval(() => {}, 1 << 30);
