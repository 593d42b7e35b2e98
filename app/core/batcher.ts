// The queue in front of the decision path (group commit, ADR 0004): requests that arrive while
// a batch is in flight wait for the next one; at most `inFlight` batches run at once, each of at
// most `max` items, each in its own slot (0 … inFlight−1: the decider keeps a lease book per
// slot, so two batches of one process never wait for each other's lease row). A batch that fails as a whole is retried item by item, so one bad request
// fails alone; an outage fails every item of the batch with the same typed error.
import { isUnavailable, unavailable } from "./db.ts";
import { fail, type Outcome } from "./decide-batch.ts";

/** How a batch ended: committed together, decided one by one after it rolled back, or the database was unavailable. */
export interface BatchReport {
  size: number;
  /** Transactions tried (2+ when usage rows had to be created first). */
  attempts: number;
  outcome: "committed" | "singly" | "unavailable";
}

interface Waiting<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class Batcher<I, O> {
  private queue: Waiting<I, O>[] = [];
  private running = 0;
  private readonly free: number[];

  constructor(
    private readonly run: (items: I[], attempts: { n: number }, slot: number) => Promise<Outcome<O>[]>,
    /** Decides one item alone (in the failed batch's slot): used when a batch as a whole fails. */
    private readonly single: (item: I, slot: number) => Promise<O>,
    private readonly max: number,
    private readonly inFlight: number,
    private readonly report: (r: BatchReport) => void,
  ) {
    this.free = Array.from({ length: inFlight }, (_, i) => inFlight - 1 - i);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.inFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.max);
      const slot = this.free.pop()!;
      this.running++;
      void this.decide(batch, slot).finally(() => {
        this.running--;
        this.free.push(slot);
        this.pump();
      });
    }
  }

  // The report is an observer (metrics, a caller's onBatch hook): if it threw inside decide(), a
  // committed batch would be decided again item by item, and a throw on the failure paths would
  // leave every caller of the batch waiting forever (and reject unhandled).
  private tell(r: BatchReport) {
    try {
      this.report(r);
    } catch {
      // the batch's answers stand
    }
  }

  private async decide(batch: Waiting<I, O>[], slot: number) {
    let outcomes: Outcome<O>[];
    const attempts = { n: 0 };
    try {
      outcomes = await this.run(batch.map((b) => b.item), attempts, slot);
      this.tell({ size: batch.length, attempts: attempts.n, outcome: "committed" });
    } catch (e) {
      if (isUnavailable(e)) {
        const err = unavailable(e);
        outcomes = batch.map(() => fail(err));
        this.tell({ size: batch.length, attempts: attempts.n, outcome: "unavailable" });
      } else {
        this.tell({ size: batch.length, attempts: attempts.n, outcome: "singly" });
        // The batch rolled back as a whole (one request names a deleted tenant, a same-key
        // request of another process won the race, …): decide each on its own so a bad
        // request fails alone. Nothing of the batch was committed.
        outcomes = await Promise.all(batch.map((b) => this.single(b.item, slot).then((value): Outcome<O> => ({ ok: true, value }), fail)));
      }
    }
    batch.forEach((b, i) => {
      const o = outcomes[i];
      if (o.ok) b.resolve(o.value);
      else b.reject(o.error);
    });
  }
}
