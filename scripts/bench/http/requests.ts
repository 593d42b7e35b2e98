// What each bench:http cell sends. Every write carries a fresh idempotency key and spreads over
// the fixture's 1,000 tenants × 10 users (limits never reached), like `npm run bench`'s spread.
import type autocannon from "autocannon";
import { randomTarget, type Targets } from "../fixture.ts";
import type { HttpCellName } from "./options.ts";

export const OP_USD = "0.01";

type Request = autocannon.Request;
/** What a connection remembers between the two requests of a pair. */
type PairContext = { reservationId?: string };

export interface CellRequests {
  /** The sequence each connection repeats (pairs: reserve, then settle what it reserved). */
  requests: Request[];
  /** HTTP requests per operation (pairs: 2). */
  perOperation: number;
}

export function cellRequests(cell: HttpCellName, targets: Targets, keyPrefix: string, apiKey: string, today: Date): CellRequests {
  let n = 0;
  const key = () => `${keyPrefix}-${n++}`;
  const json = { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}` };
  const auth = { Authorization: `Bearer ${apiKey}` };
  const reserve = (): Request => ({
    method: "POST",
    path: "/api/v1/reservations",
    headers: json,
    setupRequest: (req) => {
      const t = randomTarget(targets);
      return { ...req, body: JSON.stringify({ tenantId: t.tenantId, userId: t.userId, resource: "llm", idempotencyKey: key(), estimatedCostUsd: OP_USD }) };
    },
  });
  switch (cell) {
    case "health":
      return { requests: [{ method: "GET", path: "/healthz" }], perOperation: 1 };
    case "reserve":
      return { requests: [reserve()], perOperation: 1 };
    case "pairs":
      return {
        perOperation: 2,
        requests: [
          {
            ...reserve(),
            onResponse: (status, body, context: PairContext) => {
              context.reservationId = status === 201 ? (JSON.parse(body) as { reservationId: string }).reservationId : undefined;
            },
          },
          {
            method: "POST",
            headers: json,
            body: JSON.stringify({ actualCostUsd: OP_USD }),
            // No reservation (the reserve failed): start the sequence again with a new reserve.
            setupRequest: (req, context: PairContext) =>
              context.reservationId ? { ...req, path: `/api/v1/reservations/${context.reservationId}/settle` } : (undefined as unknown as Request),
          },
        ],
      };
    case "usage":
      return {
        perOperation: 1,
        requests: [
          {
            method: "POST",
            path: "/api/v1/usage",
            headers: json,
            setupRequest: (req) => {
              const t = randomTarget(targets);
              return { ...req, body: JSON.stringify({ tenantId: t.tenantId, userId: t.userId, resource: "llm", idempotencyKey: key(), actualCostUsd: OP_USD }) };
            },
          },
        ],
      };
    case "quota-status":
      return {
        perOperation: 1,
        requests: [
          {
            method: "GET",
            headers: auth,
            setupRequest: (req) => {
              const t = randomTarget(targets);
              return { ...req, path: `/api/v1/quota-status?tenantId=${t.tenantId}&userId=${t.userId}` };
            },
          },
        ],
      };
    case "spend": {
      const from = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1)).toISOString().slice(0, 10);
      const to = today.toISOString().slice(0, 10);
      return {
        perOperation: 1,
        requests: [
          {
            method: "GET",
            headers: auth,
            setupRequest: (req) => ({ ...req, path: `/api/v1/tenants/${randomTarget(targets).tenantId}/spend?from=${from}&to=${to}&groupBy=day` }),
          },
        ],
      };
    }
  }
}
