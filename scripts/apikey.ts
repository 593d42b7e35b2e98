// `npm run apikey -- --name NAME [--tenant SLUG]`: creates an API key and prints it once.
// Works while the app is running: with the embedded database it connects to the running
// instance (prepareDatabase reuses it). Progress goes to stderr so stdout carries the key. The
// key is created as in the panel, with its audit entry (actor `cli:apikey`).
import { parseArgs } from "node:util";
import { createPool } from "../app/db/client.server.ts";
import { createApiKey } from "../app/services/api-keys.server.ts";
import { loadConfigOrExit, prepareDatabase } from "./lib/boot.ts";

const USAGE = `Usage: npm run apikey -- --name NAME [--tenant SLUG]

Creates an API key for the Tollgate HTTP API (/api/v1) and prints it once.

  --name NAME     what the key is for, e.g. "billing-service" (required)
  --tenant SLUG   bind the key to one tenant; without it the key is platform-wide
                  (it may act for every tenant and use the administration endpoints)
  -h, --help      show this help`;

function fail(message: string): never {
  console.error(`apikey: ${message}`);
  console.error("Run `npm run apikey -- --help` for usage.");
  process.exit(1);
}

let args: { name?: string; tenant?: string; help?: boolean };
try {
  args = parseArgs({
    options: {
      name: { type: "string" },
      tenant: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (e) {
  fail((e as Error).message);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const name = args.name?.trim();
if (!name) fail("--name is required (what the key is for)");
if (args.tenant !== undefined && !args.tenant.trim()) fail("--tenant needs a tenant slug");

const config = loadConfigOrExit();
const database = await prepareDatabase(config, { progress: (m) => console.error(`[apikey] ${m}`) });
const pool = createPool(database.url, 1);
let exitCode = 0;
try {
  const slug = args.tenant?.trim();
  const tenant = slug
    ? ((await pool.query(`SELECT id, slug, name FROM tenants WHERE slug = $1`, [slug])).rows[0] as { id: string; slug: string; name: string } | undefined)
    : null;
  if (slug && !tenant) {
    console.error(`apikey: unknown tenant "${slug}": no tenant has this slug.`);
    exitCode = 1;
  } else {
    const { key, apiKey } = await createApiKey({ id: null, label: "cli:apikey" }, { name, tenantId: tenant?.id ?? null }, { pool });
    const scope = tenant ? `bound to tenant ${tenant.slug} (${tenant.name})` : "platform-wide (every tenant, administration endpoints)";
    console.log(`Created API key "${apiKey.name}" (id ${apiKey.id}), ${scope}:

  ${key}

Store it now: it cannot be shown again (only its hash is kept).
Send it as the header  Authorization: Bearer <key>`);
  }
} finally {
  await pool.end();
  await database.release();
}
process.exit(exitCode);
