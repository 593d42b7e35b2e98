// Alert channel secrets at rest (SPEC §9): AES-256-GCM with a key derived from SECRETS_KEY by
// HKDF-SHA256. Sealed form: `v1:<base64(iv 12 | tag 16 | ciphertext)>`. GCM authenticates, so a
// tampered value (or one sealed under another key) fails to open instead of decrypting to junk.
// Without SECRETS_KEY a random key is generated once into $DATA_DIR/secrets.key (0600) and a
// warning is logged: alerts work out of the box, but the key lives next to the data (ADR 0006).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { channelSecretSchemas, type ChannelSecret, type ChannelType } from "~/schemas/alerts.ts";
import { getConfig } from "../config.server.ts";
import { logger } from "../logger.server.ts";

const PREFIX = "v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Fixed salt/info: the derived key depends only on SECRETS_KEY, so every instance agrees.
const SALT = Buffer.from("tollgate/alert-secrets");
const INFO = Buffer.from("aes-256-gcm v1");

let cachedKey: Buffer | undefined;

export function deriveKey(secretsKey: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secretsKey, "utf8"), SALT, INFO, 32));
}

function keyFileMaterial(dataDir: string): string {
  const file = path.resolve(dataDir, "secrets.key");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const material = randomBytes(32).toString("hex");
  try {
    // `wx`: two instances starting at once on one DATA_DIR must not each write their own key.
    fs.writeFileSync(file, material + "\n", { mode: 0o600, flag: "wx" });
    logger("alerts").warn(`SECRETS_KEY is not set: generated a key in ${file}. Set SECRETS_KEY in production (and keep it: sealed secrets need it).`);
    return material;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw e;
  }
}

/** The key material: SECRETS_KEY, else the generated key file under DATA_DIR. */
export function keyMaterial(config: { SECRETS_KEY?: string; DATA_DIR: string }): string {
  return config.SECRETS_KEY ?? keyFileMaterial(config.DATA_DIR);
}

function key(): Buffer {
  return (cachedKey ??= deriveKey(keyMaterial(getConfig())));
}

export function encryptSecret(plain: string, k: Buffer = key()): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", k, iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretError";
  }
}

export function decryptSecret(enc: string, k: Buffer = key()): string {
  if (!enc.startsWith(PREFIX)) throw new SecretError("Unknown secret format.");
  const raw = Buffer.from(enc.slice(PREFIX.length), "base64");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretError("Sealed secret is truncated.");
  const decipher = createDecipheriv("aes-256-gcm", k, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    // Never echo the value: the message only says the seal did not verify.
    throw new SecretError("Secret could not be decrypted (tampered, or sealed with another SECRETS_KEY).");
  }
}

/** Seals a channel's secret part (JSON) for alert_channels.secret_enc. */
export function sealChannelSecret<T extends ChannelType>(type: T, secret: ChannelSecret[T]): string {
  return encryptSecret(JSON.stringify(channelSecretSchemas[type].parse(secret)));
}

/**
 * Opens alert_channels.secret_enc (null → the type's empty secret, which fails validation if
 * required). `legacy` supplies fields that older rows kept in plain config (a webhook's `url`,
 * before it became secret) until sealLegacyWebhookUrls has moved them.
 */
export function openChannelSecret<T extends ChannelType>(type: T, enc: string | null, legacy: Record<string, unknown> = {}): ChannelSecret[T] {
  const json = enc ? JSON.parse(decryptSecret(enc)) : {};
  return channelSecretSchemas[type].parse({ ...legacy, ...json }) as ChannelSecret[T];
}
