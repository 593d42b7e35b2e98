// Runs the dependency rules of .dependency-cruiser.cjs through dependency-cruiser's API. Its CLI
// refuses to start on Node 20 (engines ^22), which this project still supports; the API runs.
import { createRequire } from "node:module";
import path from "node:path";
import { cruise, type ICruiseResult, type IViolation } from "dependency-cruiser";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);

/** The violations of the architecture rules in `dirs` (relative to `baseDir`, default the repository). */
export async function architectureViolations(dirs = ["app"], baseDir = ROOT): Promise<IViolation[]> {
  const config = require(path.join(ROOT, ".dependency-cruiser.cjs"));
  const tsConfigFile = path.join(ROOT, "tsconfig.json");
  const tsConfig = ts.parseJsonConfigFileContent(ts.readConfigFile(tsConfigFile, ts.sys.readFile).config, ts.sys, ROOT);
  const previous = process.cwd();
  process.chdir(baseDir);
  try {
    const result = await cruise(
      dirs,
      { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden }, tsConfig: { fileName: tsConfigFile }, baseDir },
      { alias: { "~": path.join(baseDir, "app") }, extensions: config.options.enhancedResolveOptions.extensions },
      { tsConfig },
    );
    return (result.output as ICruiseResult).summary.violations;
  } finally {
    process.chdir(previous);
  }
}

export function describeViolation(v: IViolation): string {
  const cycle = v.cycle?.length ? ` (cycle: ${v.cycle.map((c) => (typeof c === "string" ? c : c.name)).join(" → ")})` : "";
  return `${v.rule.name}: ${v.from} → ${v.to}${cycle}`;
}
