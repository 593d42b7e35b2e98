import { ledgerSuite } from "./test/ledger-suite.ts";

// The same behaviour with concurrent decisions of a process committed together (ADR 0004): the
// default (one batch in flight) on pipelined connections, as the app runs it, and two small
// batches in flight at once on plain ones.
ledgerSuite({ groupCommit: true }, { pipeline: true });
ledgerSuite({ groupCommit: { inFlight: 2, maxBatch: 4 } }, { pipeline: false });
