// Sign-in, throttling, sessions and the guards, against a real database.
import { hash } from "@node-rs/argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import {
  getOptionalUser,
  requireArea,
  requireTenantAccess,
  requireUser,
  safeRedirect,
  signIn,
  signOut,
  startSessionAndRedirect,
  type SessionUser,
} from "./auth.server.ts";
import {
  addressGroup,
  MAX_ACCOUNT_FAILURES,
  MAX_ADDRESS_FAILURES,
  MAX_FAILURES,
  PRUNE_BATCH,
  pruneAttempts,
  secondsUntilAllowed,
  throttleMessage,
  WINDOW_MS,
} from "./login-throttle.server.ts";
import { hashToken, SESSION_COOKIE } from "./session.server.ts";

const PASSWORD = "correct horse battery staple";
let t: TestDatabase;
let acmeId: string;

beforeAll(async () => {
  // The services use the app's lazy singletons, which read DATABASE_URL on first use.
  t = await createAppTestDatabase();
  const passwordHash = await hash(PASSWORD);
  const { rows } = await t.pool.query(
    `INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`,
  );
  acmeId = rows.find((r) => r.slug === "acme").id;
  await t.pool.query(
    `INSERT INTO users (email, name, role, tenant_id, password_hash, disabled_at) VALUES
       ('admin@tollgate.test', 'Ada Admin', 'admin', NULL, $1, NULL),
       ('finance@tollgate.test', 'Fin Ance', 'finance', NULL, $1, NULL),
       ('throttled@tollgate.test', 'Tess Throttle', 'ops', NULL, $1, NULL),
       ('admin@acme.test', 'Acme Admin', 'tenant_admin', $2, $1, NULL),
       ('gone@tollgate.test', 'Gone User', 'ops', NULL, $1, now())`,
    [passwordHash, acmeId],
  );
});

afterAll(async () => {
  await t?.drop();
});

const BASE = "http://127.0.0.1:3000";

/** Signs in and returns a request for `path` that carries the session cookie. */
async function signedInRequest(email: string, path: string, ip = "10.0.0.1") {
  const result = await signIn({ email, password: PASSWORD, ip });
  if (!result.ok) throw new Error(`sign-in failed: ${result.reason}`);
  const response = await startSessionAndRedirect(result.user, new Request(`${BASE}/login`), null);
  return { request: withCookie(path, cookieValue(response)), response, user: result.user };
}

function cookieValue(response: Response) {
  const setCookie = response.headers.get("Set-Cookie") ?? "";
  const match = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(setCookie);
  if (!match) throw new Error(`no session cookie in ${setCookie}`);
  return match[1];
}

function withCookie(path: string, token: string) {
  return new Request(`${BASE}${path}`, { headers: { Cookie: `theme=dark; ${SESSION_COOKIE}=${token}` } });
}

/** The Response a guard threw. */
async function thrown(promise: Promise<unknown>): Promise<Response> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof Response) return e;
    throw e;
  }
  throw new Error("expected the guard to throw a Response");
}

describe("signIn", () => {
  it("accepts the right password (email case-insensitively) and starts a session whose cookie is httpOnly and Lax", async () => {
    const result = await signIn({ email: "  Admin@Tollgate.TEST ", password: PASSWORD, ip: "10.0.0.1" });
    expect(result).toMatchObject({ ok: true, user: { email: "admin@tollgate.test", role: "admin", tenantSlug: null } });
    const response = await startSessionAndRedirect((result as { user: SessionUser }).user, new Request(`${BASE}/login`), null);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/admin");
    const setCookie = response.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Max-Age=604800/);
    // Plain HTTP on loopback outside production: no Secure flag (the browser would drop it).
    expect(setCookie).not.toMatch(/Secure/);
    // Only the hash of the token is stored.
    const token = cookieValue(response);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { rows } = await t.pool.query(`SELECT token_hash FROM sessions WHERE token_hash = $1`, [hashToken(token)]);
    expect(rows).toHaveLength(1);
    const { rowCount } = await t.pool.query(`SELECT 1 FROM sessions WHERE token_hash = $1`, [token]);
    expect(rowCount).toBe(0);
  });

  it("marks the cookie Secure when the request came over HTTPS", async () => {
    const { ok, user } = (await signIn({ email: "admin@tollgate.test", password: PASSWORD, ip: "10.0.0.2" })) as {
      ok: true;
      user: SessionUser;
    };
    expect(ok).toBe(true);
    const response = await startSessionAndRedirect(user, new Request("https://tollgate.example.com/login"), "/tenants");
    expect(response.headers.get("Location")).toBe("/tenants");
    expect(response.headers.get("Set-Cookie")).toMatch(/; Secure/);
  });

  it("refuses a wrong password and an unknown email with the same answer, and records both", async () => {
    expect(await signIn({ email: "finance@tollgate.test", password: "nope", ip: "10.0.0.3" })).toEqual({
      ok: false,
      reason: "invalid_credentials",
    });
    expect(await signIn({ email: "nobody@tollgate.test", password: PASSWORD, ip: "10.0.0.3" })).toEqual({
      ok: false,
      reason: "invalid_credentials",
    });
    const { rows } = await t.pool.query(
      `SELECT email, ip, success FROM login_attempts WHERE ip = '10.0.0.3' ORDER BY id`,
    );
    expect(rows).toEqual([
      { email: "finance@tollgate.test", ip: "10.0.0.3", success: false },
      { email: "nobody@tollgate.test", ip: "10.0.0.3", success: false },
    ]);
  });

  it("after 5 failures refuses even the right password from that IP, but not from another IP", async () => {
    const email = "throttled@tollgate.test";
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect(await signIn({ email, password: `wrong-${i}`, ip: "10.9.9.9" })).toMatchObject({ reason: "invalid_credentials" });
    }
    const refused = await signIn({ email, password: PASSWORD, ip: "10.9.9.9" });
    expect(refused).toMatchObject({ ok: false, reason: "throttled" });
    const retryAfter = (refused as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retryAfter).toBeGreaterThan(WINDOW_MS / 1000 - 60);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    expect(throttleMessage(retryAfter)).toBe("Too many failed sign-in attempts. Try again in 15 minutes.");
    // The refused attempt was not checked and is not counted.
    const { rows } = await t.pool.query(
      `SELECT count(*)::int AS n FROM login_attempts WHERE email = $1 AND ip = '10.9.9.9'`,
      [email],
    );
    expect(rows[0].n).toBe(MAX_FAILURES);

    expect(await signIn({ email, password: PASSWORD, ip: "10.9.9.10" })).toMatchObject({ ok: true });
    // Still throttled from the first address.
    expect(await signIn({ email, password: PASSWORD, ip: "10.9.9.9" })).toMatchObject({ reason: "throttled" });
  });

  it("does not let parallel guesses slip past the limit", async () => {
    const email = "admin@acme.test";
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signIn({ email, password: `guess-${i}`, ip: "10.7.7.7" })),
    );
    expect(results.filter((r) => r.ok === false && r.reason === "invalid_credentials")).toHaveLength(MAX_FAILURES);
    expect(results.filter((r) => r.ok === false && r.reason === "throttled")).toHaveLength(12 - MAX_FAILURES);
  });

  it("refuses a disabled user even with the right password", async () => {
    expect(await signIn({ email: "gone@tollgate.test", password: PASSWORD, ip: "10.0.0.4" })).toEqual({
      ok: false,
      reason: "disabled",
    });
  });
});

describe("the throttle window", () => {
  const key = { email: "window@tollgate.test", ip: "10.1.1.1" };
  const now = new Date("2026-03-10T12:00:00Z");
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  const attempt = (at: Date, success: boolean) =>
    t.pool.query(`INSERT INTO login_attempts (email, ip, ip_group, success, created_at) VALUES ($1, $2, $2, $3, $4)`, [
      key.email,
      key.ip,
      success,
      at,
    ]);

  it("counts only failures of the last 15 minutes and after the last success", async () => {
    for (const m of [20, 14, 12, 10, 8]) await attempt(ago(m), false);
    // 4 failures in the window: allowed.
    expect(await secondsUntilAllowed(t.pool, key, now)).toBe(0);
    await attempt(ago(6), false);
    // 5 in the window; the oldest of them (14 minutes ago) leaves it in 1 minute.
    expect(await secondsUntilAllowed(t.pool, key, now)).toBe(60);
    expect(await secondsUntilAllowed(t.pool, key, new Date(now.getTime() + 61_000))).toBe(0);
    // A success resets the count.
    await attempt(ago(5), true);
    expect(await secondsUntilAllowed(t.pool, key, now)).toBe(0);
  });
});

describe("throttling per account and per address", () => {
  const failures = (where: string, params: unknown[]) =>
    t.pool.query(`SELECT count(*)::int AS n FROM login_attempts WHERE NOT success AND ${where}`, params).then((r) => r.rows[0].n);

  it("one account guessed from many addresses is refused after 20 failures, from any address, right password included", async () => {
    const email = "botnet-target@tollgate.test";
    await t.pool.query(`INSERT INTO users (email, name, role, password_hash) VALUES ($1, 'Target', 'ops', $2)`, [email, await hash(PASSWORD)]);
    for (let i = 0; i < MAX_ACCOUNT_FAILURES; i++) {
      // Each address stays under its own per-pair limit of 5.
      expect(await signIn({ email, password: `guess-${i}`, ip: `198.51.100.${i + 1}` })).toMatchObject({ reason: "invalid_credentials" });
    }
    const refused = await signIn({ email, password: PASSWORD, ip: "203.0.113.77" });
    expect(refused).toMatchObject({ ok: false, reason: "throttled" });
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(WINDOW_MS / 1000 - 60);
    expect(await failures("email = $1", [email])).toBe(MAX_ACCOUNT_FAILURES);
  });

  it("one address spraying many accounts is refused after 30 failures, for every account, existing or not", async () => {
    const ip = "192.0.2.44";
    for (let i = 0; i < MAX_ADDRESS_FAILURES; i++) {
      expect(await signIn({ email: `spray-${i}@tollgate.test`, password: "Winter2026!", ip })).toMatchObject({ reason: "invalid_credentials" });
    }
    // A real account with its right password, and an unknown one: the same answer.
    expect(await signIn({ email: "finance@tollgate.test", password: PASSWORD, ip })).toMatchObject({ reason: "throttled" });
    expect(await signIn({ email: "never-seen@tollgate.test", password: PASSWORD, ip })).toMatchObject({ reason: "throttled" });
    expect(await failures("ip_group = $1", [ip])).toBe(MAX_ADDRESS_FAILURES);
    // Other addresses are unaffected.
    expect(await signIn({ email: "finance@tollgate.test", password: PASSWORD, ip: "192.0.2.45" })).toMatchObject({ ok: true });
  });

  it("a success on an account of one's own does not reset the address count", async () => {
    const ip = "192.0.2.60";
    for (let i = 0; i < MAX_ADDRESS_FAILURES - 1; i++) await signIn({ email: `reset-${i}@tollgate.test`, password: "x", ip });
    expect(await signIn({ email: "admin@tollgate.test", password: PASSWORD, ip })).toMatchObject({ ok: true });
    expect(await signIn({ email: "reset-last@tollgate.test", password: "x", ip })).toMatchObject({ reason: "invalid_credentials" });
    expect(await signIn({ email: "reset-more@tollgate.test", password: "x", ip })).toMatchObject({ reason: "throttled" });
  });

  it("IPv6 addresses of one /64 count together; another /64 does not", async () => {
    expect(addressGroup("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("::ffff:192.0.2.9")).toBe("192.0.2.9");
    expect(addressGroup("192.0.2.9")).toBe("192.0.2.9");
    expect(addressGroup("unknown")).toBe("unknown");
    const email = "v6-target@tollgate.test";
    for (let i = 0; i < MAX_FAILURES; i++) {
      // A new address of the same /64 for every guess.
      expect(await signIn({ email, password: "x", ip: `2001:db8:aa:bb::${(i + 1).toString(16)}` })).toMatchObject({ reason: "invalid_credentials" });
    }
    expect(await signIn({ email, password: "x", ip: "2001:db8:aa:bb:1234::99" })).toMatchObject({ reason: "throttled" });
    expect(await signIn({ email, password: "x", ip: "2001:db8:aa:bc::1" })).toMatchObject({ reason: "invalid_credentials" });
    const { rows } = await t.pool.query(`SELECT DISTINCT ip_group FROM login_attempts WHERE email = $1 ORDER BY 1`, [email]);
    expect(rows.map((r) => r.ip_group)).toEqual(["2001:db8:aa:bb::/64", "2001:db8:aa:bc::/64"]);
  });
});

describe("pruning login attempts", () => {
  it("a sign-in deletes up to 100 attempts older than the window, oldest first, and keeps recent ones", async () => {
    const now = new Date();
    await t.pool.query(
      `INSERT INTO login_attempts (email, ip, ip_group, success, created_at)
       SELECT 'old-' || g || '@tollgate.test', '10.66.0.1', '10.66.0.1', false, $1::timestamptz - make_interval(secs => g)
         FROM generate_series(1, 150) g`,
      [new Date(now.getTime() - WINDOW_MS - 60_000)],
    );
    const old = () =>
      t.pool.query(`SELECT count(*)::int AS n FROM login_attempts WHERE created_at <= $1`, [new Date(Date.now() - WINDOW_MS)]).then((r) => r.rows[0].n);
    const recent = () =>
      t.pool.query(`SELECT count(*)::int AS n FROM login_attempts WHERE created_at > $1`, [new Date(Date.now() - WINDOW_MS)]).then((r) => r.rows[0].n);
    expect(await old()).toBe(150);
    const recentBefore = await recent();
    await signIn({ email: "prune@tollgate.test", password: "x", ip: "10.66.0.2" });
    expect(await old()).toBe(150 - PRUNE_BATCH);
    expect(await recent()).toBe(recentBefore + 1);
    // The oldest went first: the 50 left are the newest of the old ones.
    const left = (await t.pool.query(`SELECT email FROM login_attempts WHERE email LIKE 'old-%'`)).rows.map((r) => Number(/old-(\d+)@/.exec(r.email)![1]));
    expect(Math.max(...left)).toBe(50);
    await signIn({ email: "prune@tollgate.test", password: "x", ip: "10.66.0.2" });
    expect(await old()).toBe(0);
    expect(await pruneAttempts(t.pool, new Date())).toBe(0);
  });
});

describe("requireUser", () => {
  it("returns the user of a valid session", async () => {
    const { request } = await signedInRequest("finance@tollgate.test", "/admin");
    expect(await requireUser(request)).toMatchObject({ email: "finance@tollgate.test", role: "finance" });
    expect(await requireArea(request, "overview")).toMatchObject({ role: "finance" });
  });

  it("redirects to /login with the page to come back to when there is no session", async () => {
    const response = await thrown(requireUser(new Request(`${BASE}/tenants?q=ac%20me`)));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login?redirectTo=%2Ftenants%3Fq%3Dac%2520me");
    // From the start page there is nothing to come back to.
    expect((await thrown(requireUser(new Request(`${BASE}/`)))).headers.get("Location")).toBe("/login");
  });

  it("rejects unknown and expired sessions and clears their cookie", async () => {
    const unknown = await thrown(requireUser(withCookie("/admin", "x".repeat(43))));
    expect(unknown.status).toBe(302);
    expect(unknown.headers.get("Set-Cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));

    const { request } = await signedInRequest("finance@tollgate.test", "/admin");
    await t.pool.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE expires_at > now()
                          AND user_id = (SELECT id FROM users WHERE email = 'finance@tollgate.test')`);
    expect((await thrown(requireUser(request))).status).toBe(302);
    expect(await getOptionalUser(request)).toBeNull();
  });

  it("rejects the session of a user disabled after signing in", async () => {
    await t.pool.query(`UPDATE users SET disabled_at = NULL WHERE email = 'gone@tollgate.test'`);
    const { request } = await signedInRequest("gone@tollgate.test", "/admin");
    expect(await requireUser(request)).toMatchObject({ email: "gone@tollgate.test" });
    await t.pool.query(`UPDATE users SET disabled_at = now() WHERE email = 'gone@tollgate.test'`);
    // The next request with the same cookie (the user is looked up once per request).
    expect((await thrown(requireUser(request.clone()))).status).toBe(302);
  });

  it("answers 404 to a role that may not see the page", async () => {
    const { request } = await signedInRequest("admin@acme.test", "/admin", "10.0.0.5");
    expect((await thrown(requireArea(request, "overview"))).status).toBe(404);
    expect((await thrown(requireArea(request, "users"))).status).toBe(404);
    expect(await requireArea(request, "tenant")).toMatchObject({ tenantSlug: "acme" });
  });
});

describe("requireTenantAccess", () => {
  it("lets staff open any tenant", async () => {
    const { request } = await signedInRequest("finance@tollgate.test", "/t/globex");
    const { tenant, user } = await requireTenantAccess(request, "globex");
    expect(tenant).toMatchObject({ slug: "globex", name: "Globex", status: "active" });
    expect(user.role).toBe("finance");
  });

  it("lets a tenant admin open only their own tenant; others and unknown slugs are 404", async () => {
    const { request } = await signedInRequest("admin@acme.test", "/t/acme", "10.0.0.6");
    expect((await requireTenantAccess(request, "acme")).tenant.id).toBe(acmeId);
    expect((await thrown(requireTenantAccess(request, "globex"))).status).toBe(404);
    expect((await thrown(requireTenantAccess(request, "no-such-tenant"))).status).toBe(404);
  });

  it("answers 404 to staff for an unknown slug and redirects without a session", async () => {
    const { request } = await signedInRequest("admin@tollgate.test", "/t/nope");
    expect((await thrown(requireTenantAccess(request, "nope"))).status).toBe(404);
    const anonymous = await thrown(requireTenantAccess(new Request(`${BASE}/t/acme`), "acme"));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toBe("/login?redirectTo=%2Ft%2Facme");
  });
});

describe("signOut", () => {
  it("deletes the session row and clears the cookie", async () => {
    const { request } = await signedInRequest("admin@tollgate.test", "/logout");
    const before = await t.pool.query(`SELECT count(*)::int AS n FROM sessions`);
    const response = await signOut(request);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/login");
    expect(response.headers.get("Set-Cookie")).toMatch(/Max-Age=0/);
    const after = await t.pool.query(`SELECT count(*)::int AS n FROM sessions`);
    expect(after.rows[0].n).toBe(before.rows[0].n - 1);
    expect((await thrown(requireUser(request))).status).toBe(302);
  });
});

describe("safeRedirect", () => {
  it.each([
    ["/tenants?q=a#top", "/tenants?q=a#top"],
    ["/t/acme", "/t/acme"],
    ["//evil.test/x", "/home"],
    ["/\\evil.test", "/home"],
    ["https://evil.test/", "/home"],
    ["javascript:alert(1)", "/home"],
    ["/ok\nSet-Cookie: x", "/home"],
    ["", "/home"],
    [undefined, "/home"],
  ])("%j → %j", (input, expected) => {
    expect(safeRedirect(input, "/home")).toBe(expected);
  });
});
