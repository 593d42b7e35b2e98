import { ledgerSuite } from "./test/ledger-suite.ts";

// One transaction per decision (the default).
ledgerSuite({});
