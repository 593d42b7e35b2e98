// The pool of the read replica (DATABASE_READ_URL, ADR 0013): a pg.Pool that, while the replica
// cannot be reached, hands out a connection of the primary's pool instead. Everything that takes
// a connection goes through connect() — pool.query() too (pg-pool calls this.connect) — so a
// service cannot bypass the fallback; and a connection goes back to the pool that made it
// (pg-pool binds release() to its own pool).
import pg from "pg";

/** After a failed connect, the replica is not tried again for this long: every read in between goes to the primary at once. */
export const REPLICA_RETRY_MS = 5_000;

export interface ReplicaPoolOptions {
  /** The primary's pool, for reads while the replica is down. */
  fallback: () => pg.Pool;
  /** Called when the replica stops answering (with the error) and when it answers again. */
  onStateChange: (state: "down" | "up", error?: Error) => void;
  now?: () => number;
}

export class ReplicaPool extends pg.Pool {
  #downSince: number | null = null;

  constructor(
    config: pg.PoolConfig,
    private readonly replica: ReplicaPoolOptions,
  ) {
    super(config);
  }

  /** Whether reads go to the primary now because the replica did not answer. */
  get fallingBack(): boolean {
    return this.#downSince !== null && this.#now() - this.#downSince < REPLICA_RETRY_MS;
  }

  #now() {
    return (this.replica.now ?? Date.now)();
  }

  // pg's typings declare connect() as overloads (promise, or callback); this serves both.
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: boolean | Error) => void) => void): void;
  override connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: boolean | Error) => void) => void): Promise<pg.PoolClient> | void {
    const result = this.#connect();
    if (!callback) return result;
    result.then(
      (client) => callback(undefined, client, client.release),
      (error) => callback(error as Error, undefined, () => {}),
    );
  }

  async #connect(): Promise<pg.PoolClient> {
    if (this.fallingBack) return this.replica.fallback().connect();
    // A pool with every connection busy makes the caller wait (and, past connectionTimeoutMillis,
    // fail): that is load, not a dead replica, and must not move the dashboards' load onto the
    // primary the replica is there to protect.
    const busy = this.totalCount >= (this.options.max ?? 10) && this.idleCount === 0;
    try {
      const client = await super.connect();
      if (this.#downSince !== null) {
        this.#downSince = null;
        this.replica.onStateChange("up");
      }
      return client;
    } catch (error) {
      if (busy || this.ending) throw error;
      if (this.#downSince === null) this.replica.onStateChange("down", error as Error);
      this.#downSince = this.#now();
      return this.replica.fallback().connect();
    }
  }
}
