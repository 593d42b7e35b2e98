// scripts/serve.ts as deployed: which client address sign-in throttling sees (TRUST_PROXY),
// and the refusal to listen beyond loopback while the published demo credentials work.
import { hash } from "@node-rs/argon2";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../app/db/test/test-database.ts";
import { startAppInstance, type AppInstance } from "../app/test/app-instance.ts";
import { apiKeyPrefix, DEMO_PLATFORM_KEY, DEMO_PLATFORM_KEY_NAME, hashApiKey } from "../app/services/api-keys.server.ts";
import { MAX_FAILURES } from "../app/services/login-throttle.server.ts";
import { DEMO_PASSWORD } from "../prisma/seed/catalog.ts";

// Every test starts its own app process (tsx + the build), which is slow on a busy machine.
vi.setConfig({ testTimeout: 120_000 });

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

async function signInAs(app: AppInstance, email: string, forwardedFor?: string) {
  const r = await fetch(`${app.url}/login`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: app.url,
      ...(forwardedFor ? { "X-Forwarded-For": forwardedFor } : {}),
    },
    body: new URLSearchParams({ email, password: "wrong-password" }),
    redirect: "manual",
  });
  return { status: r.status, text: await r.text() };
}

const recordedIps = async (email: string) =>
  (await t.pool.query(`SELECT ip FROM login_attempts WHERE email = $1 ORDER BY id`, [email])).rows.map((r) => r.ip);

describe("TRUST_PROXY", () => {
  it("off (default): X-Forwarded-For is ignored, so a spoofed header does not escape the per-address limit", async () => {
    const app = await startAppInstance({ databaseUrl: t.url });
    try {
      const email = "spoof@tollgate.test";
      for (let i = 0; i < MAX_FAILURES; i++) {
        expect((await signInAs(app, email, `203.0.113.${i + 1}`)).status).toBe(401);
      }
      const refused = await signInAs(app, email, "203.0.113.200");
      expect(refused.status).toBe(429);
      expect(refused.text).toMatch(/Too many failed sign-in attempts\. Try again in 1[45] minutes\./);
      expect(await recordedIps(email)).toEqual(Array(MAX_FAILURES).fill("127.0.0.1"));
    } finally {
      await app.stop();
    }
  });

  it("a hop count: the address the nearest proxy appended counts, not what the client put first", async () => {
    const app = await startAppInstance({ databaseUrl: t.url, env: { TRUST_PROXY: "1" } });
    try {
      const email = "proxied@tollgate.test";
      // The client forged "1.1.1.1"; the trusted proxy appended the real peer.
      expect((await signInAs(app, email, "1.1.1.1, 198.51.100.7")).status).toBe(401);
      expect((await signInAs(app, email, "2001:db8:5:6::1")).status).toBe(401);
      expect(await recordedIps(email)).toEqual(["198.51.100.7", "2001:db8:5:6::1"]);
      // Distinct real clients behind the proxy are throttled separately.
      for (let i = 0; i < MAX_FAILURES; i++) await signInAs(app, email, `198.51.100.${20 + i}`);
      expect((await signInAs(app, email, "198.51.100.99")).status).toBe(401);
    } finally {
      await app.stop();
    }
  });

  it("loopback: a proxy on this machine is trusted; a form from PUBLIC_URL's origin is same-origin even when the proxy rewrites Host", async () => {
    const publicUrl = "https://tollgate.example.com";
    const app = await startAppInstance({ databaseUrl: t.url, env: { TRUST_PROXY: "loopback", PUBLIC_URL: publicUrl } });
    try {
      expect((await signInAs(app, "loopback-proxy@tollgate.test", "192.0.2.33")).status).toBe(401);
      expect(await recordedIps("loopback-proxy@tollgate.test")).toEqual(["192.0.2.33"]);
      // Host is 127.0.0.1:<port>, Origin the public address: accepted by the guard, and not
      // turned into a 500 by Remix's own host-only check.
      const viaProxy = await fetch(`${app.url}/login`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: publicUrl },
        body: new URLSearchParams({ email: "public-url@tollgate.test", password: "x" }),
      });
      expect(viaProxy.status).toBe(401);
      const elsewhere = await fetch(`${app.url}/login`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://tollgate.example.com.evil.test" },
        body: new URLSearchParams({ email: "public-url@tollgate.test", password: "x" }),
      });
      expect(elsewhere.status).toBe(403);
      expect(app.output()).not.toMatch(/\n\s+at /);
    } finally {
      await app.stop();
    }
  });
});

describe("demo credentials on a non-loopback HOST", () => {
  it("refuses to listen while a demo account has the demo password or the demo key is active, and says how to fix it", async () => {
    await t.pool.query(`INSERT INTO users (email, name, role, password_hash) VALUES ('admin@tollgate.dev', 'Ada', 'admin', $1)`, [
      await hash(DEMO_PASSWORD),
    ]);
    await t.pool.query(`INSERT INTO api_keys (name, prefix, hash) VALUES ($1, $2, $3)`, [
      DEMO_PLATFORM_KEY_NAME,
      apiKeyPrefix(DEMO_PLATFORM_KEY),
      hashApiKey(DEMO_PLATFORM_KEY),
    ]);
    const refused = await startAppInstance({ databaseUrl: t.url, host: "0.0.0.0" }).then(
      () => "started",
      (e: Error) => e.message,
    );
    expect(refused).toContain("exited with 1");
    expect(refused).toContain(
      `Refusing to listen on 0.0.0.0: the demo account admin@tollgate.dev still has the published password "tollgate-demo" and the published demo platform API key (tg_demo_plat…) is active, and other machines could reach this address.`,
    );
    expect(refused).toContain("HOST=127.0.0.1");
    expect(refused).not.toMatch(/\n\s+at /);

    // The same database on loopback is fine (a local demo).
    const local = await startAppInstance({ databaseUrl: t.url });
    await local.stop();

    // Disabling the account is not enough while the key is active…
    await t.pool.query(`UPDATE users SET disabled_at = now() WHERE email = 'admin@tollgate.dev'`);
    const stillRefused = await startAppInstance({ databaseUrl: t.url, host: "0.0.0.0" }).then(
      () => "started",
      (e: Error) => e.message,
    );
    expect(stillRefused).toContain("Refusing to listen on 0.0.0.0: the published demo platform API key (tg_demo_plat…) is active,");

    // …a changed password and a revoked key are.
    await t.pool.query(`UPDATE users SET disabled_at = NULL, password_hash = $1 WHERE email = 'admin@tollgate.dev'`, [
      await hash("a-real-password-now"),
    ]);
    await t.pool.query(`UPDATE api_keys SET revoked_at = now() WHERE prefix = $1`, [apiKeyPrefix(DEMO_PLATFORM_KEY)]);
    const exposed = await startAppInstance({ databaseUrl: t.url, host: "0.0.0.0" });
    expect((await fetch(`${exposed.url}/healthz`)).status).toBe(200);
    await exposed.stop();
    // Four app processes start in this test; on a loaded machine each can take 20 s.
  }, 240_000);
});
