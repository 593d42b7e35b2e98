import { ledgerSuite } from "./test/ledger-suite.ts";

// The same behaviour with concurrent decisions of a process committed together (ADR 0004),
// the default: with two batches in flight, and with one.
ledgerSuite({ groupCommit: true });
ledgerSuite({ groupCommit: { inFlight: 1, maxBatch: 4 } });
