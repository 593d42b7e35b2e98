// Reading an API request safely: API-key authentication, then size and media-type limits and
// JSON parsing before any work, then the zod schema. Every failure is an ApiError.
import { z } from "zod";
import type { AuthenticatedApiKey } from "~/services/api-keys.server.ts";
import { authenticate } from "./identity.server.ts";
import { ApiError, zodIssues } from "./respond.server.ts";

export const MAX_BODY_BYTES = 64 * 1024;

export async function requireApiKey(request: Request): Promise<AuthenticatedApiKey> {
  const header = request.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new ApiError(401, "unauthorized", "Send an API key: Authorization: Bearer tg_…");
  const key = await authenticate(m[1]);
  if (!key) throw new ApiError(401, "unauthorized", "The API key is not valid or has been revoked.");
  return key;
}

export function requirePlatformKey(key: AuthenticatedApiKey) {
  if (key.tenantId) throw new ApiError(403, "forbidden", "This endpoint needs a platform-wide API key.");
}

/** Reads at most MAX_BODY_BYTES (checking Content-Length first), as JSON. */
export async function readJson(request: Request): Promise<unknown> {
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) throw tooLarge();
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new ApiError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      // Stop reading but do not cancel: cancelling destroys the socket and the client would
      // see a hang-up instead of the 413. The 413 closes the connection (respond.server.ts).
      reader.releaseLock();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_request", "The body is not valid JSON.", [{ path: "(body)", message: "invalid JSON" }]);
  }
}

function tooLarge() {
  return new ApiError(413, "payload_too_large", `The body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ApiError(400, "invalid_request", "The request is not valid.", zodIssues(r.error));
  return r.data;
}

export async function parseBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  return parseWith(schema, await readJson(request));
}

export function parseQuery<S extends z.ZodType>(request: Request, schema: S): z.output<S> {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  return parseWith(schema, params);
}
