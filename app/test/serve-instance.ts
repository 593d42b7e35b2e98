// One real app process for tests: the production build served by scripts/serve.ts on the port
// (and host, default 127.0.0.1) given in argv, against DATABASE_URL from the environment.
// Stops cleanly on SIGTERM.
import { DemoCredentialsExposedError } from "../../scripts/lib/demo-credentials.ts";
import { serve } from "../../scripts/serve.ts";

const port = Number(process.argv[2]);
const host = process.argv[3] ?? "127.0.0.1";
const server = await serve({ port, host }).catch((e) => {
  if (!(e instanceof DemoCredentialsExposedError)) throw e;
  console.error(e.message);
  process.exit(1);
});
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
