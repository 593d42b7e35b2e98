// Data migration, run by the app at start (before the worker's first round): webhook channels
// saved before the URL became secret keep it in plain `config.url`. SQL cannot seal it (the key
// is derived from SECRETS_KEY in the app), so this moves it into the sealed secret here and
// removes it from config. Idempotent: a migrated row no longer matches. Until it has run, the
// loader reads `config.url` as a fallback (channels.server.ts) and the panel shows it masked.
import type pg from "pg";
import { withTransaction } from "~/db/transaction.server.ts";
import { decryptSecret, encryptSecret } from "./secrets.server.ts";
import { logger } from "../logger.server.ts";

export async function sealLegacyWebhookUrls(pool: pg.Pool): Promise<number> {
  return withTransaction(async (client) => {
    let moved = 0;
    const { rows } = await client.query(
      `SELECT id, config, secret_enc FROM alert_channels WHERE type = 'webhook' AND config ? 'url' FOR UPDATE`,
    );
    for (const r of rows) {
      let secret: Record<string, unknown> = {};
      if (r.secret_enc) {
        try {
          secret = JSON.parse(decryptSecret(r.secret_enc));
        } catch {
          // Sealed under another key: re-sealing would drop the signing secret. Left as is (the
          // channel is unusable until its secret is saved again, which moves the URL too).
          logger("alerts").warn(`webhook channel ${r.id}: URL left in config (its secret does not open with this SECRETS_KEY).`);
          continue;
        }
      }
      const { url, ...config } = r.config as Record<string, unknown>;
      await client.query(`UPDATE alert_channels SET config = $2::jsonb, secret_enc = $3 WHERE id = $1`, [
        r.id,
        JSON.stringify(config),
        encryptSecret(JSON.stringify({ ...secret, url: secret.url ?? url })),
      ]);
      moved++;
    }
    return moved;
  }, { pool });
}
