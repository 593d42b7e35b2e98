// The Remix build that `npm start` and `npm run bench:dashboards` serve: rebuilt only when it is
// missing or older than a source it is built from.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { ROOT, run } from "./postgres.ts";

export const BUILD_ENTRY = path.join(ROOT, "build/index.js");

/** The build is stale when missing or older than any source it is built from. */
export function buildIsStale(): boolean {
  if (!existsSync(BUILD_ENTRY)) return true;
  const built = statSync(BUILD_ENTRY).mtimeMs;
  const newer = (p: string): boolean => {
    const s = statSync(p);
    if (s.isDirectory()) {
      return readdirSync(p).some((f) => f !== "generated" && !f.endsWith(".test.ts") && newer(path.join(p, f)));
    }
    return s.mtimeMs > built;
  };
  return newer(path.join(ROOT, "app")) || newer(path.join(ROOT, "remix.config.js"));
}

/** Runs `remix build` when the build is stale; says so through `step`. */
export async function ensureBuild(step: (message: string) => void) {
  if (!buildIsStale()) return;
  step("building the app (remix build)");
  await run(path.join(ROOT, "node_modules/.bin/remix"), ["build"], { quiet: true });
}
