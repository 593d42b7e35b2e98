import { ledgerSuite } from "./test/ledger-suite.ts";

// The ledger with every statement sent unnamed (parsed each time), as through a pooler that
// cannot keep named statements (PgBouncer before 1.21 in transaction mode). The setting is per
// process, so it has its own file (vitest runs each file in its own worker). Leases off here,
// to cover that mode too.
ledgerSuite({ groupCommit: true, statements: "unnamed", leases: false }, { pipeline: true });
