import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["app/**/*.test.ts", "scripts/**/*.test.ts", "prisma/**/*.test.ts"],
    globalSetup: ["app/db/test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run in parallel, each against its own cloned database.
    pool: "forks",
    reporters: ["default"],
  },
  resolve: {
    alias: { "~": new URL("./app", import.meta.url).pathname },
  },
});
