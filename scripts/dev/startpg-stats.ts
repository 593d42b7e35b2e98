// A development PostgreSQL with pg_stat_statements (track_planning on), for profiling benches:
// `npx tsx scripts/dev/startpg-stats.ts [port]`, then `DATABASE_URL=<printed url> npm run bench:http -- …`
// and `SELECT … FROM pg_stat_statements`. Keeps running until killed.
import { startEmbeddedPostgres, ensureDatabase, withDatabase } from "../lib/postgres.ts";
const port = Number(process.argv[2] ?? 54398);
const s = await startEmbeddedPostgres({
  dir: `/tmp/devpg-stats-${port}`,
  port,
  persistent: false,
  settings: { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track_planning": "on" },
  onLog: () => {},
});
const url = withDatabase(s.adminUrl, "bench");
await ensureDatabase(url);
console.log(url);
setInterval(() => {}, 1 << 30);
