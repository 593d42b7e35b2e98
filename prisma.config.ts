import "./scripts/unref-long-timers.cjs"; // CLI-only: lets prisma exit promptly (see the file)
import { defineConfig } from "prisma/config";
import { pgAdapter } from "./app/db/pg-adapter.ts";

export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    // The Prisma CLI's environment; the app reads it through services/config.server.ts.
    return pgAdapter(process.env.DATABASE_URL);
  },
});
