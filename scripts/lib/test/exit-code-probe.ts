// Probe for postgres.test.ts: imports the helpers, then ends with a failing exit code.
import "../postgres.ts";

process.exitCode = 3;
