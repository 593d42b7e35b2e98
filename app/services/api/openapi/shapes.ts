// What every part of the OpenAPI document shares: the scalar shapes of response bodies, references
// to component schemas, and the endpoint table's row type. Response shapes are documentation only
// (the presenters build the bodies), but the API tests validate real responses against them.
import { z } from "zod";

export const usd = z.number().describe("USD, rounded to 6 decimals");
export const rateUsd = z.number().describe("USD rate at its stored precision (10 decimals)");
export const time = z.iso.datetime();
/** each_user: a per-user default (ADR 0016); in a status row, a denial or a warning its scopeId is the end user. */
export const scope = z.enum(["platform", "tenant", "user", "each_user"]);
export const quotaResource = z.enum(["llm", "sandbox", "all"]);
export const period = z.enum(["day", "week", "month"]);

/** A reference to a component schema, and a JSON body of that schema. */
export const REF = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const jsonContent = (name: string) => ({ "application/json": { schema: REF(name) } });

export type Auth = "key" | "platform" | "public";

/** One operation; `Res` and `Req` name its area's response and request schemas. */
export interface Endpoint<Res extends string = string, Req extends string = string> {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  body?: Req;
  query?: z.ZodType;
  /** The endpoint's own answers (success, and /readyz's 503), beyond the shared error responses. */
  ok: [status: number, schema: Res | null, description: string][];
  /** Error statuses besides those implied by auth and body (401/403, 400/413/415). */
  errors?: number[];
}
