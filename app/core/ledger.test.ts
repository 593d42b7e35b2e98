import { ledgerSuite } from "./test/ledger-suite.ts";

// One transaction per decision (createTollgate({ groupCommit: false })): each request a batch of
// one, on plain and on pipelined connections.
ledgerSuite({ groupCommit: false }, { pipeline: false });
ledgerSuite({ groupCommit: false }, { pipeline: true });
