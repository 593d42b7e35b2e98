import { describe, expect, it } from "vitest";
import { json } from "./respond.server.ts";
import { JSON_TEXT, jsonTextOf, withJsonText } from "./json-text.ts";

describe("the JSON text a response was made from", () => {
  it("json() marks its response with the exact text of its body", async () => {
    const r = json({ status: "ok", n: 1.5, s: "é\u2028" }, 201);
    expect(jsonTextOf(r)).toBe('{"status":"ok","n":1.5,"s":"é\u2028"}');
    expect(await r.clone().text()).toBe(jsonTextOf(r));
    expect(r.status).toBe(201);
  });

  it("is gone once the body was read (the text may no longer be what a reader expects to send)", async () => {
    const r = json({ a: 1 });
    await r.text();
    expect(jsonTextOf(r)).toBeUndefined();
  });

  it("is absent on an unmarked response and not an enumerable property", () => {
    expect(jsonTextOf(new Response('{"a":1}'))).toBeUndefined();
    const r = withJsonText(new Response("[]"), "[]");
    expect(Object.keys(r)).toEqual([]);
    expect(JSON_TEXT).toBe(Symbol.for("tollgate.response.jsonText"));
  });
});
