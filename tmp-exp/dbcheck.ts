import { execSync } from "node:child_process";
import { openBenchDatabase } from "../scripts/bench/database.ts";
const db = await openBenchDatabase({ keep: false, progress: (m) => console.error(m) });
try {
  const base = db.url.replace(/\/[^/?]+(\?|$)/, "/postgres$1");
  console.log(execSync(`DATABASE_URL='${base}' npx prisma migrate diff --from-migrations prisma/migrations --to-schema-datamodel prisma/schema.prisma --exit-code 2>&1; echo rc=$?`).toString());
} finally { await db.close(); }
