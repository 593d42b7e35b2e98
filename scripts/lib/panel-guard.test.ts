// The panel's request guard through a real app process (scripts/serve.ts serving the build):
// body limits (declared and chunked) and the same-origin check, with what was (not) written.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "../../app/db/test/test-database.ts";
import { startAppInstance, type AppInstance } from "../../app/test/app-instance.ts";
import { signInUsers, type SignedInUser } from "../../app/test/panel-sessions.ts";
import { SESSION_COOKIE } from "../../app/services/session.server.ts";
import { bodyLimitFor, PANEL_BODY_LIMIT, PRICE_IMPORT_BODY_LIMIT, SIGN_IN_BODY_LIMIT } from "./panel-guard.ts";

let t: TestDatabase;
let app: AppInstance;
let admin: SignedInUser;

beforeAll(async () => {
  t = await createAppTestDatabase();
  ({ admin } = await signInUsers(t.pool, { admin: { role: "admin" } }));
  app = await startAppInstance({ databaseUrl: t.url });
});

afterAll(async () => {
  await app?.stop();
  await t?.drop();
});

interface Answer {
  status: number;
  text: string;
}

/** A raw HTTP request (node:http: the server may answer before the client has sent everything). */
function send(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; chunks?: string[] } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${app.url}${path}`, { method: opts.method ?? "POST", headers: opts.headers });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.on("error", reject);
    if (opts.chunks) for (const c of opts.chunks) req.write(c);
    else if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

const form = { "Content-Type": "application/x-www-form-urlencoded" };
const sameOrigin = () => ({ Origin: app.url });
const cookie = (u: SignedInUser) => ({ Cookie: `${SESSION_COOKIE}=${u.cookie}` });
const count = async (sql: string, params: unknown[] = []) => (await t.pool.query(sql, params)).rows[0].n as number;

/** A urlencoded sign-in body of exactly `size` bytes. */
function signInBody(email: string, size: number) {
  const head = `email=${encodeURIComponent(email)}&password=wrong-password&pad=`;
  return head + "x".repeat(size - head.length);
}

describe("body limits", () => {
  it("a sign-in body of 16 KiB + 1 byte (declared length) → 413 with a clear page, nothing recorded", async () => {
    const email = "big-login@tollgate.test";
    const r = await send("/login", { headers: { ...form, ...sameOrigin() }, body: signInBody(email, SIGN_IN_BODY_LIMIT + 1) });
    expect(r.status).toBe(413);
    expect(r.text).toContain("<h1>Request too large</h1>");
    expect(r.text).toContain("The form you sent is larger than 16 KiB, so nothing was saved.");
    expect(await count(`SELECT count(*)::int AS n FROM login_attempts WHERE email = $1`, [email])).toBe(0);
  });

  it("a sign-in body of exactly 16 KiB is read and answered by the sign-in form", async () => {
    const email = "exact-login@tollgate.test";
    const r = await send("/login", { headers: { ...form, ...sameOrigin() }, body: signInBody(email, SIGN_IN_BODY_LIMIT) });
    expect(r.status).toBe(401);
    expect(r.text).toContain("The email address or password is incorrect.");
    expect(await count(`SELECT count(*)::int AS n FROM login_attempts WHERE email = $1`, [email])).toBe(1);
  });

  it("a chunked sign-in body over 16 KiB (no Content-Length) → 413, nothing recorded", async () => {
    const email = "chunked-login@tollgate.test";
    const body = signInBody(email, SIGN_IN_BODY_LIMIT + 1);
    const r = await send("/login", {
      headers: { ...form, ...sameOrigin(), "Transfer-Encoding": "chunked" },
      chunks: [body.slice(0, 8000), body.slice(8000)],
    });
    expect(r.status).toBe(413);
    expect(r.text).toContain("larger than 16 KiB");
    expect(await count(`SELECT count(*)::int AS n FROM login_attempts WHERE email = $1`, [email])).toBe(0);
  });

  it("a panel form of 1 MiB + 1 byte → 413, and the same form within 1 MiB reaches the action", async () => {
    // Creating a platform quota: the padding field is ignored by the action's schema.
    const fields = "intent=create&scope=platform&resource=llm&period=day&limitUsd=12345&pad=";
    const big = fields + "x".repeat(PANEL_BODY_LIMIT + 1 - fields.length);
    const quotas = () => count(`SELECT count(*)::int AS n FROM quotas WHERE limit_usd = 12345`);
    const r = await send("/quotas/new", { headers: { ...form, ...sameOrigin(), ...cookie(admin) }, body: big });
    expect(r.status).toBe(413);
    expect(r.text).toContain("larger than 1 MiB");
    const chunked = await send("/quotas/new", {
      headers: { ...form, ...sameOrigin(), ...cookie(admin), "Transfer-Encoding": "chunked" },
      chunks: Array.from({ length: 17 }, (_, i) => big.slice(i * 65536, (i + 1) * 65536)),
    });
    expect(chunked.status).toBe(413);
    expect(await quotas()).toBe(0);

    const fits = fields + "x".repeat(PANEL_BODY_LIMIT - fields.length);
    const ok = await send("/quotas/new", { headers: { ...form, ...sameOrigin(), ...cookie(admin) }, body: fits });
    expect(ok.status).toBe(302);
    expect(await quotas()).toBe(1);
  });

  it("the price import has its own documented 2 MiB: a 512 KiB CSV sent back url-encoded fits, more does not", async () => {
    // Remix's client posts to `<route>.data`; the route's limit applies there too.
    expect(bodyLimitFor("/pricing/import")).toBe(PRICE_IMPORT_BODY_LIMIT);
    expect(bodyLimitFor("/pricing/import.data")).toBe(PRICE_IMPORT_BODY_LIMIT);
    expect(bodyLimitFor("/login.data")).toBe(SIGN_IN_BODY_LIMIT);
    expect(bodyLimitFor("/login/")).toBe(SIGN_IN_BODY_LIMIT);
    expect(bodyLimitFor("/quotas/new.data")).toBe(PANEL_BODY_LIMIT);
    // Every comma of the CSV becomes "%2C": 512 KiB of commas is 1.5 MiB on the wire.
    const csv = encodeURIComponent(",".repeat(512 * 1024));
    const fits = await send("/pricing/import?kind=llm", { headers: { ...form, ...sameOrigin(), ...cookie(admin) }, body: `kind=llm&csv=${csv}` });
    expect(fits.status).toBe(200);
    const over = `kind=llm&csv=${"x".repeat(PRICE_IMPORT_BODY_LIMIT)}`;
    const refused = await send("/pricing/import?kind=llm", { headers: { ...form, ...sameOrigin(), ...cookie(admin) }, body: over });
    expect(refused.status).toBe(413);
    expect(refused.text).toContain("larger than 2 MiB");
  });

  it("/api keeps its own limit and error contract (64 KiB → 413 payload_too_large JSON)", async () => {
    const r = await send("/api/v1/reservations", {
      headers: { "Content-Type": "application/json", Authorization: "Bearer tg_nope", "Content-Length": String(70 * 1024) },
      body: " ".repeat(70 * 1024),
    });
    // The key is checked first: the API answers in its own JSON, not with the panel's page.
    expect(r.status).toBe(401);
    expect(JSON.parse(r.text).error).toBe("unauthorized");
  });
});

describe("same-origin check", () => {
  it("a cross-site sign-in POST → 403 with a clear message, nothing recorded, no stack trace logged", async () => {
    const email = "csrf-login@tollgate.test";
    const r = await send("/login", {
      headers: { ...form, Origin: "https://evil.test" },
      body: `email=${encodeURIComponent(email)}&password=x`,
    });
    expect(r.status).toBe(403);
    expect(r.text).toContain("<h1>Request refused</h1>");
    expect(r.text).toContain("it was sent from another origin (https://evil.test)");
    expect(await count(`SELECT count(*)::int AS n FROM login_attempts WHERE email = $1`, [email])).toBe(0);
    expect(app.output()).toContain("[tollgate] refused POST /login: cross-site request (it was sent from another origin (https://evil.test))");
    expect(app.output()).not.toMatch(/\n\s+at /);
  });

  it("a signed-in user's cross-site sign-out and quota creation → 403 and nothing changes", async () => {
    const sessions = () => count(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [admin.id]);
    const before = await sessions();
    expect(before).toBeGreaterThan(0);
    const out = await send("/logout", { headers: { ...form, ...cookie(admin), Origin: "https://evil.test" }, body: "" });
    expect(out.status).toBe(403);
    expect(await sessions()).toBe(before);
    const q = await send("/quotas/new", {
      headers: { ...form, ...cookie(admin), Origin: "http://127.0.0.1:1" },
      body: "intent=create&scope=platform&resource=sandbox&period=week&limitUsd=777",
    });
    expect(q.status).toBe(403);
    expect(await count(`SELECT count(*)::int AS n FROM quotas WHERE limit_usd = 777`)).toBe(0);
  });

  it("without Origin: Sec-Fetch-Site cross-site (or neither header) → 403; same-origin and none → processed", async () => {
    const body = "email=fetch-site%40tollgate.test&password=x";
    expect((await send("/login", { headers: { ...form, "Sec-Fetch-Site": "cross-site" }, body })).status).toBe(403);
    expect((await send("/login", { headers: { ...form, "Sec-Fetch-Site": "same-site" }, body })).status).toBe(403);
    expect((await send("/login", { headers: form, body })).status).toBe(403);
    expect((await send("/login", { headers: { ...form, "Sec-Fetch-Site": "same-origin" }, body })).status).toBe(401);
    expect((await send("/login", { headers: { ...form, "Sec-Fetch-Site": "none" }, body })).status).toBe(401);
    expect((await send("/login", { headers: { ...form, Origin: "null" }, body })).status).toBe(403);
  });

  it("a same-origin sign-in works end to end (session cookie, SameSite=Lax)", async () => {
    const r = await fetch(`${app.url}/login`, {
      method: "POST",
      headers: { ...form, Origin: app.url },
      body: "email=nobody%40tollgate.test&password=x",
      redirect: "manual",
    });
    expect(r.status).toBe(401);
    const out = await fetch(`${app.url}/logout`, { method: "POST", headers: { ...cookie(admin), Origin: app.url }, redirect: "manual" });
    expect(out.status).toBe(302);
    expect(out.headers.get("set-cookie")).toContain("SameSite=Lax");
  });

  it("forged X-Forwarded-Host does not make a cross-site Origin same-origin (TRUST_PROXY off)", async () => {
    const r = await send("/login", {
      headers: { ...form, Origin: "https://evil.test", "X-Forwarded-Host": "evil.test", "X-Forwarded-Proto": "https" },
      body: "email=x%40tollgate.test&password=x",
    });
    expect(r.status).toBe(403);
  });

  it("/api is exempt (bearer keys, not cookies): a cross-site POST gets the API's own answer", async () => {
    const r = await send("/api/v1/reservations", {
      headers: { "Content-Type": "application/json", Origin: "https://evil.test" },
      body: "{}",
    });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.text).error).toBe("unauthorized");
  });
});
