import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { decryptSecret, deriveKey, encryptSecret, keyMaterial, openChannelSecret, sealChannelSecret } from "./secrets.server.ts";
import { captureLogs } from "../logger.server.ts";

process.env.SECRETS_KEY ??= "test-secrets-key-0123456789";
const key = deriveKey("a-long-enough-secrets-key");
const plain = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";

afterEach(() => vi.restoreAllMocks());

it("round-trips, with a fresh IV each time", () => {
  const a = encryptSecret(plain, key);
  const b = encryptSecret(plain, key);
  expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
  expect(a).not.toBe(b);
  expect(decryptSecret(a, key)).toBe(plain);
  expect(decryptSecret(b, key)).toBe(plain);
});

it("the sealed form contains neither the plaintext nor its base64", () => {
  const sealed = encryptSecret(plain, key);
  expect(sealed).not.toContain("SECRET");
  expect(sealed).not.toContain(Buffer.from(plain).toString("base64").slice(0, 16));
  expect(Buffer.from(sealed.slice(3), "base64").toString("latin1")).not.toContain("hooks.slack.com");
});

it("a flipped byte or another key fails with a message that does not echo the value", () => {
  const sealed = encryptSecret(plain, key);
  const raw = Buffer.from(sealed.slice(3), "base64");
  raw[raw.length - 1] ^= 1;
  const tampered = "v1:" + raw.toString("base64");
  expect(() => decryptSecret(tampered, key)).toThrow("Secret could not be decrypted (tampered, or sealed with another SECRETS_KEY).");
  expect(() => decryptSecret(sealed, deriveKey("another-secrets-key-123"))).toThrow(/could not be decrypted/);
  expect(() => decryptSecret("plain-text", key)).toThrow("Unknown secret format.");
  expect(() => decryptSecret("v1:AAAA", key)).toThrow("Sealed secret is truncated.");
});

it("channel secrets are sealed as validated JSON with the configured key", () => {
  const sealed = sealChannelSecret("webhook", { url: "https://hooks.example.com/T0/token-abc", signingSecret: "whsec-very-secret" });
  expect(sealed).not.toContain("whsec");
  expect(sealed).not.toContain("token-abc");
  expect(openChannelSecret("webhook", sealed)).toEqual({ url: "https://hooks.example.com/T0/token-abc", signingSecret: "whsec-very-secret" });
  expect(() => openChannelSecret("pagerduty", null)).toThrow();
  expect(openChannelSecret("email", null)).toEqual({});
});

it("without SECRETS_KEY a key file is generated once (0600), reused, and a warning names the file but no key", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-secrets-"));
  const logs = captureLogs();
  const first = keyMaterial({ DATA_DIR: dir });
  const second = keyMaterial({ DATA_DIR: dir });
  logs.restore();
  const warn = logs.lines().filter((l) => l.level === "warn");
  expect(first).toMatch(/^[0-9a-f]{64}$/);
  expect(second).toBe(first);
  expect(fs.statSync(path.join(dir, "secrets.key")).mode & 0o777).toBe(0o600);
  expect(warn).toHaveLength(1);
  expect(String(warn[0].msg)).toContain(path.join(dir, "secrets.key"));
  expect(logs.raw()).not.toContain(first);
  expect(keyMaterial({ SECRETS_KEY: "explicit-key-wins-123", DATA_DIR: dir })).toBe("explicit-key-wins-123");
  fs.rmSync(dir, { recursive: true });
});
