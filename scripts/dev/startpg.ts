import { startEmbeddedPostgres, ensureDatabase, urlFor } from "../lib/postgres.ts";
const s = await startEmbeddedPostgres({ dir: "/tmp/devpg", port: 54399, persistent: true, onLog: () => {} });
await ensureDatabase(urlFor(54399, "dev"));
console.log("up", s.adminUrl);
setInterval(() => {}, 1 << 30);
