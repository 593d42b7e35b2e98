import { ledgerSuite } from "./test/ledger-suite.ts";

// The same behaviour with concurrent decisions of a process committed together (ADR 0004),
// the default (one batch in flight), and with two small batches in flight at once.
ledgerSuite({ groupCommit: true });
ledgerSuite({ groupCommit: { inFlight: 2, maxBatch: 4 } });
