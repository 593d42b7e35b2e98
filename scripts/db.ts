// `npm run db:deploy` (apply migrations) and `npm run db:seed` (demo data, idempotent, then one
// analysis run when it seeded), against DATABASE_URL or the embedded instance (reused if
// `npm start` is running).
import { db, dbPool, disconnectDb } from "../app/db/client.server.ts";
import { loadConfigOrExit, prepareDatabase } from "./lib/boot.ts";

const command = process.argv[2];
if (command !== "deploy" && command !== "seed") {
  console.error("usage: tsx scripts/db.ts deploy|seed");
  process.exit(2);
}
const log = (m: string) => console.log(`[db:${command}] ${m}`);
const config = loadConfigOrExit();
const database = await prepareDatabase(config, { progress: log });
try {
  if (command === "seed") {
    const { seedDemoAndAnalyze } = await import("../prisma/seed.ts");
    const summary = await seedDemoAndAnalyze(db(), dbPool(), { log });
    log(!summary.seeded ? "demo data already present; nothing written" : summary.analysis?.ran ? "demo data seeded and analysed" : "demo data seeded");
  } else {
    log("migrations applied");
  }
} finally {
  await disconnectDb();
  await database.release();
}
