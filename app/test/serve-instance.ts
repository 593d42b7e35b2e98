// One real app process for tests: the production build served by scripts/serve.ts on the port
// given in argv, against DATABASE_URL from the environment. Stops cleanly on SIGTERM.
import { serve } from "../../scripts/serve.ts";

const port = Number(process.argv[2]);
const server = await serve({ port, host: "127.0.0.1" });
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
