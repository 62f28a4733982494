/**
 * One chat-model client per request limiter and settings for the process: every run resolves its model, a client is
 * not free to build, and a client's state (GigaChat's token) should serve the whole run.
 */
import type { Semaphore } from "./limits.js";
import type { RetryNotices } from "./retryNotice.js";

export class ClientsPerLimiter<T> {
  private readonly byLimiter = new WeakMap<object, Map<string, T>>();
  private readonly byNotices = new WeakMap<RetryNotices, ClientsPerLimiter<T>>();

  /**
   * The client for `settings` (any JSON-able value) under `limiter` (or another transport), made by `make` the first
   * time; with `notices` (a caller's own retry notices), one of that caller's own.
   */
  get(limiter: Semaphore | object, settings: unknown, make: () => T, notices?: RetryNotices): T {
    if (notices) {
      let own = this.byNotices.get(notices);
      if (!own) this.byNotices.set(notices, (own = new ClientsPerLimiter<T>()));
      return own.get(limiter, settings, make);
    }
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
