import { ledgerSuite } from "./test/ledger-suite.ts";

// The ledger through PgBouncer 1.18 in transaction pooling mode (ADR 0012), as the app runs it
// behind one: group commit on pipelined connections, statements unnamed (this pgbouncer cannot
// keep named ones: a server connection is another client's after each transaction). The
// setting is per process, so this has its own file. Then one transaction per decision, plain.
ledgerSuite({ groupCommit: true, statements: "unnamed" }, { pipeline: true, bouncer: true });
ledgerSuite({ groupCommit: false, statements: "unnamed" }, { pipeline: false, bouncer: true });
