// `npm test`'s first step: the dependency rules (.dependency-cruiser.cjs) hold, or it exits 1
// naming each violation.
import { architectureViolations, describeViolation } from "./lib/architecture.ts";

const violations = await architectureViolations();
for (const v of violations) console.error(describeViolation(v));
if (violations.length > 0) {
  console.error(`\n${violations.length} architecture rule violation(s); the rules and why: .dependency-cruiser.cjs`);
  process.exit(1);
}
console.log("architecture: every dependency rule holds (.dependency-cruiser.cjs)");
