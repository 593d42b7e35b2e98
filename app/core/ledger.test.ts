import { ledgerSuite } from "./test/ledger-suite.ts";

// One transaction per decision (createTollgate({ groupCommit: false })).
ledgerSuite({ groupCommit: false });
