// The JSON text a Response was made from (set by respond.server.ts `json()`), so the server can
// write it as it is instead of reading the Response's body stream back: on a health check that
// read-back cost more than the rest of the answer (scripts/lib/remix-handler.ts `sendResponse`).
// A registered symbol, because the Remix build bundles its own copy of the module that sets it.
// No imports: the server's startup code reads it without loading the API's modules.
export const JSON_TEXT = Symbol.for("tollgate.response.jsonText");

/** Marks `response` as made from `text`. */
export function withJsonText(response: Response, text: string): Response {
  return Object.defineProperty(response, JSON_TEXT, { value: text });
}

/** The JSON text `response` was made from, if it was marked and its body was not read since. */
export function jsonTextOf(response: Response): string | undefined {
  const text = (response as unknown as Record<symbol, unknown>)[JSON_TEXT];
  return typeof text === "string" && !response.bodyUsed ? text : undefined;
}
