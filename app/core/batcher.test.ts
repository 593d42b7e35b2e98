// The queue in front of the decision path, with stand-in `run`/`single` functions whose batches
// the test finishes by hand: how batches form, how many run at once, and what each caller gets
// when a batch commits, fails as a whole, or meets an unavailable database.
import { describe, expect, it } from "vitest";
import { Batcher, type BatchReport } from "./batcher.ts";
import type { Outcome } from "./decide-batch.ts";
import { TollgateError } from "./types.ts";

interface Call {
  items: string[];
  attempts: { n: number };
  slot: number;
  resolve: (o: Outcome<string>[]) => void;
  reject: (e: unknown) => void;
}

/** A Batcher whose batches wait until the test finishes them; everything it did is recorded. */
function harness(max: number, inFlight: number, opts: { attempts?: number; report?: (r: BatchReport) => void } = {}) {
  const calls: Call[] = [];
  const singles: string[] = [];
  const reports: BatchReport[] = [];
  const batcher = new Batcher<string, string>(
    (items, attempts, slot) =>
      new Promise((resolve, reject) => {
        attempts.n = opts.attempts ?? 1;
        calls.push({ items, attempts, slot, resolve, reject });
      }),
    async (item, slot) => {
      singles.push(`${item}@${slot}`);
      if (item.startsWith("bad")) throw new TollgateError("not_found", `No such thing: ${item}.`);
      return `alone:${item}`;
    },
    max,
    inFlight,
    (r) => {
      reports.push(r);
      opts.report?.(r);
    },
  );
  /** Submits items and records the order in which their callers hear back. */
  const heard: string[] = [];
  const submit = (...items: string[]) =>
    items.map((item) => {
      const p = batcher.submit(item);
      p.then(
        () => heard.push(item),
        () => heard.push(item),
      );
      return p;
    });
  const commit = (call: Call) => call.resolve(call.items.map((item) => ({ ok: true, value: item.toUpperCase() })));
  return { calls, singles, reports, heard, submit, commit, batches: () => calls.map((c) => c.items) };
}

/** Lets every settled promise's continuations (the batch's answers, the next pump) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("Batcher", () => {
  it("a batch of 1 starts at once; requests arriving meanwhile go together in the next, at most `max` each", async () => {
    const h = harness(3, 1);
    const answers = h.submit("a", "b", "c", "d", "e");
    expect(h.batches()).toEqual([["a"]]);
    h.commit(h.calls[0]);
    await settle();
    expect(h.batches()).toEqual([["a"], ["b", "c", "d"]]);
    h.commit(h.calls[1]);
    await settle();
    expect(h.batches()).toEqual([["a"], ["b", "c", "d"], ["e"]]);
    h.commit(h.calls[2]);
    expect(await Promise.all(answers)).toEqual(["A", "B", "C", "D", "E"]);
    expect(h.heard).toEqual(["a", "b", "c", "d", "e"]);
    expect(h.reports).toEqual([
      { size: 1, attempts: 1, outcome: "committed" },
      { size: 3, attempts: 1, outcome: "committed" },
      { size: 1, attempts: 1, outcome: "committed" },
    ]);
    // Drained: the next request again starts a batch at once.
    const [f] = h.submit("f");
    expect(h.batches().at(-1)).toEqual(["f"]);
    h.commit(h.calls[3]);
    expect(await f).toBe("F");
    expect(h.singles).toEqual([]);
  });

  it("runs at most `inFlight` batches at once; answers reach their callers when their own batch ends, in any order", async () => {
    const h = harness(2, 2);
    const answers = h.submit("a", "b", "c", "d", "e");
    expect(h.batches()).toEqual([["a"], ["b"]]);
    h.commit(h.calls[1]); // the second batch ends first
    await settle();
    expect(h.batches()).toEqual([["a"], ["b"], ["c", "d"]]);
    expect(h.heard).toEqual(["b"]);
    h.commit(h.calls[0]);
    await settle();
    expect(h.batches()).toEqual([["a"], ["b"], ["c", "d"], ["e"]]);
    expect(h.heard).toEqual(["b", "a"]);
    h.commit(h.calls[3]);
    await settle();
    expect(h.heard).toEqual(["b", "a", "e"]);
    h.commit(h.calls[2]);
    expect(await Promise.all(answers)).toEqual(["A", "B", "C", "D", "E"]);
    expect(h.heard).toEqual(["b", "a", "e", "c", "d"]);
    expect(h.reports.map((r) => r.size)).toEqual([1, 1, 1, 2]);
    // Each batch ran in a slot no other running batch had: b's slot went to [c, d], a's to [e].
    expect(h.calls.map((c) => c.slot)).toEqual([0, 1, 1, 0]);
  });

  it("a batch failing as a whole in slot 1 decides its items alone in slot 1 while slot 0 runs on", async () => {
    const h = harness(4, 2);
    const [a, b] = h.submit("a", "b");
    expect(h.calls.map((c) => [c.items, c.slot])).toEqual([[["a"], 0], [["b"], 1]]);
    h.calls[1].reject(new Error("deadlock detected"));
    expect(await b).toBe("alone:b");
    expect(h.singles).toEqual(["b@1"]);
    h.commit(h.calls[0]);
    expect(await a).toBe("A");
  });

  it("a failed outcome rejects only its own caller, with its own error", async () => {
    const h = harness(4, 1);
    const boom = new TollgateError("conflict", "This reservation was released; it cannot be settled.");
    const [a] = h.submit("a");
    const [b, c] = h.submit("b", "c");
    h.commit(h.calls[0]);
    await settle();
    h.calls[1].resolve([{ ok: false, error: boom }, { ok: true, value: "C" }]);
    expect(await a).toBe("A");
    await expect(b).rejects.toBe(boom);
    expect(await c).toBe("C");
  });

  it("a batch that fails as a whole is decided again item by item: a bad request fails alone, and the batch reports `singly`", async () => {
    const h = harness(8, 1, { attempts: 2 });
    const [a, bad, c] = h.submit("a", "bad-1", "c");
    h.commit(h.calls[0]);
    await settle();
    expect(h.batches()).toEqual([["a"], ["bad-1", "c"]]);
    h.calls[1].reject(Object.assign(new Error('insert or update on table "reservations" violates foreign key constraint'), { code: "23503", severity: "ERROR" }));
    expect(await a).toBe("A");
    await expect(bad).rejects.toEqual(new TollgateError("not_found", "No such thing: bad-1."));
    expect(await c).toBe("alone:c");
    expect(h.singles).toEqual(["bad-1@0", "c@0"]);
    expect(h.reports).toEqual([
      { size: 1, attempts: 2, outcome: "committed" },
      { size: 2, attempts: 2, outcome: "singly" },
    ]);
  });

  it("an unavailable database fails every item of the batch with quota_unavailable, nothing retried", async () => {
    const h = harness(8, 1);
    const unavailable = (cause: unknown) => Object.assign(new TollgateError("quota_unavailable", "The quota store is unavailable; try again shortly."), { cause });
    const [a] = h.submit("a");
    const rest = h.submit("b", "c", "d");
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    h.calls[0].reject(refused);
    await expect(a).rejects.toEqual(unavailable(refused));
    await settle();
    expect(h.batches()).toEqual([["a"], ["b", "c", "d"]]);
    // A TollgateError already saying so counts the same.
    const down = unavailable(new Error("Connection terminated unexpectedly"));
    h.calls[1].reject(down);
    for (const p of rest) await expect(p).rejects.toEqual(unavailable(down));
    expect(h.singles).toEqual([]);
    expect(h.reports).toEqual([
      { size: 1, attempts: 1, outcome: "unavailable" },
      { size: 3, attempts: 1, outcome: "unavailable" },
    ]);
  });

  it("a throwing report (a user's onBatch hook) changes no answer: a committed batch is not decided again, callers are not left waiting", async () => {
    const h = harness(8, 1, {
      report: () => {
        throw new Error("observer failed");
      },
    });
    const [a] = h.submit("a");
    const [b] = h.submit("b");
    // Answered within the turn, not by a test timeout.
    const soon = <T>(p: Promise<T>) => Promise.race([p, settle().then(() => "still waiting")]);
    h.commit(h.calls[0]);
    expect(await soon(a)).toBe("A");
    await settle();
    h.calls[1].reject(new Error("deadlock detected"));
    expect(await soon(b)).toBe("alone:b");
    expect(h.singles).toEqual(["b@0"]);
    expect(h.reports.map((r) => r.outcome)).toEqual(["committed", "singly"]);
  });
});
