// Reading an API request before any work: the body's size (declared or streamed), its media
// type and JSON, the key header's shape, and zod failures as 400 with issues by path. Each
// failure is an ApiError with the status and code the API answers (README "HTTP API").
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_BODY_BYTES, parseBody, parseQuery, readJson, requireApiKey } from "./request.server.ts";
import { ApiError } from "./respond.server.ts";

const URL_ = "http://127.0.0.1/api/v1/x";
const post = (body: BodyInit, headers: Record<string, string> = { "content-type": "application/json" }) =>
  new Request(URL_, { method: "POST", body, headers, duplex: "half" } as RequestInit);

async function failure(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(e)}`);
  return { status: e.status, code: e.code, message: e.message, issues: e.issues };
}

describe("readJson", () => {
  it("parses a JSON body; a charset parameter and case do not matter", async () => {
    expect(await readJson(post('{"a":[1,"ü"]}'))).toEqual({ a: [1, "ü"] });
    expect(await readJson(post("{}", { "content-type": "Application/JSON; charset=utf-8" }))).toEqual({});
  });

  it("refuses a declared length over the limit before reading (413)", async () => {
    const r = post("{}", { "content-type": "application/json", "content-length": String(MAX_BODY_BYTES + 1) });
    expect(await failure(readJson(r))).toEqual({ status: 413, code: "payload_too_large", message: "The body is larger than 64 KiB.", issues: undefined });
  });

  it("refuses a streamed body that grows past the limit without a length (413), and takes one at the limit", async () => {
    const chunks = (n: number) =>
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('"'));
          for (let i = 0; i < n; i++) c.enqueue(new TextEncoder().encode("x".repeat(1024)));
          c.enqueue(new TextEncoder().encode('"'));
          c.close();
        },
      });
    expect((await failure(readJson(post(chunks(64))))).status).toBe(413); // 64 KiB + 2 quotes
    expect(((await readJson(post(chunks(63)))) as string).length).toBe(63 * 1024);
  });

  it("refuses another media type (415) and malformed JSON (400)", async () => {
    expect(await failure(readJson(post("a=1", { "content-type": "application/x-www-form-urlencoded" })))).toEqual({
      status: 415,
      code: "unsupported_media_type",
      message: "Send the body as JSON with Content-Type: application/json.",
      issues: undefined,
    });
    expect((await failure(readJson(post("{}", {})))).status).toBe(415);
    expect(await failure(readJson(post('{"a":')))).toEqual({
      status: 400,
      code: "invalid_request",
      message: "The body is not valid JSON.",
      issues: [{ path: "(body)", message: "invalid JSON" }],
    });
  });
});

describe("parseBody and parseQuery", () => {
  const schema = z.strictObject({ tenantId: z.string().min(1), limit: z.coerce.number().int().positive().optional() });

  it("return the schema's output", async () => {
    expect(await parseBody(post('{"tenantId":"acme"}'), schema)).toEqual({ tenantId: "acme" });
    expect(parseQuery(new Request(`${URL_}?tenantId=acme&limit=5`), schema)).toEqual({ tenantId: "acme", limit: 5 });
  });

  it("answer 400 with an issue per field, one per unknown field", async () => {
    const e = await failure(parseBody(post('{"tenantId":"","extra":1,"other":2}'), schema));
    expect([e.status, e.code, e.message]).toEqual([400, "invalid_request", "The request is not valid."]);
    expect(e.issues?.map((i) => i.path).sort()).toEqual(["extra", "other", "tenantId"]);
    expect(e.issues?.filter((i) => i.message === "unknown field").map((i) => i.path).sort()).toEqual(["extra", "other"]);
  });
});

describe("requireApiKey", () => {
  it("answers 401 without a Bearer key, before any lookup", async () => {
    for (const authorization of [undefined, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b"]) {
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      expect(await failure(requireApiKey(new Request(URL_, { headers })))).toEqual({
        status: 401,
        code: "unauthorized",
        message: "Send an API key: Authorization: Bearer tg_…",
        issues: undefined,
      });
    }
  });
});
