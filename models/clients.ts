/**
 * One chat-model client per request limiter and settings for the process: every run resolves its model, a client is
 * not free to build, and a client's state (GigaChat's token) should serve the whole run.
 */
import type { Semaphore } from "./limits.js";

export class ClientsPerLimiter<T> {
  private readonly byLimiter = new WeakMap<object, Map<string, T>>();

  /** The client for `settings` (any JSON-able value) under `limiter` (or another transport), made by `make` the first time. */
  get(limiter: Semaphore | object, settings: unknown, make: () => T): T {
    let byKey = this.byLimiter.get(limiter);
    if (!byKey) this.byLimiter.set(limiter, (byKey = new Map()));
    const key = JSON.stringify(settings);
    let client = byKey.get(key);
    if (client === undefined) {
      client = make();
      byKey.set(key, client);
    }
    return client;
  }
}
