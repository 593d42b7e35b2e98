import { ledgerSuite } from "./test/ledger-suite.ts";

// The same behaviour with concurrent decisions of a process committed together (ADR 0004).
ledgerSuite({ groupCommit: true });
