/**
 * Retries announced on stderr as they happen, so that no wait is silent:
 *   insideout: openai 127.0.0.1:8080: HTTP 429, retrying in 2.0 s (attempt 2 of 4)
 * At most one line per second for each server and cause; the ones held back in that second are summed up in one line
 * at its end, so thousands of parallel requests failing together print a few lines, not thousands. Each line is
 * written whole, and on a terminal first clears the line a progress bar may be drawing on.
 * INSIDEOUT_RETRY_NOTICES=0 silences them.
 */
import { setting } from "../core/settings.js";
import { stderrLine } from "../core/terminalText.js";

const WINDOW_MS = 1000;

export interface RetryNotice {
  /** Provider and host: "openai 127.0.0.1:8080". */
  where: string;
  /** What went wrong, the same words for the same fault: "HTTP 429", "no answer within 60 s". */
  cause: string;
  waitMs: number;
  /** The attempt about to be made (2 for the first retry) and how many there can be at most. */
  attempt: number;
  of: number;
}

interface Window {
  printedAt: number;
  heldBack: number;
  timer?: NodeJS.Timeout;
}

export function retryNoticesOn(): boolean {
  return setting("INSIDEOUT_RETRY_NOTICES");
}


export function retryLine(n: RetryNotice): string {
  return `insideout: ${n.where}: ${n.cause}, retrying in ${(n.waitMs / 1000).toFixed(1)} s (attempt ${n.attempt} of ${n.of})`;
}

/**
 * The announcing windows of one owner: the process's (`retryNotices`, every transport's by default), or a caller's
 * own (models/limits.ts `TransportOptions.notices`), e.g. each test's, so that no window or summary crosses over.
 * Lines go to stderr, or where the owner says.
 */
export class RetryNotices {
  private readonly windows = new Map<string, Window>();

  /** `write`: where the lines go. */
  constructor(private readonly write: (line: string) => void = stderrLine) {}

  /** Prints the notice, or counts it towards the current second's summary. */
  announce(n: RetryNotice, now = Date.now()): void {
    const write = this.write;
    if (!retryNoticesOn()) return;
    const key = `${n.where}\u0000${n.cause}`;
    const w = this.windows.get(key);
    if (!w || now - w.printedAt >= WINDOW_MS) {
      if (w?.timer) clearTimeout(w.timer);
      const more = w && w.heldBack > 0 ? ` (+${w.heldBack} more like it)` : "";
      write(retryLine(n) + more);
      this.windows.set(key, { printedAt: now, heldBack: 0 });
      return;
    }
    w.heldBack++;
    // The summary comes at the end of the second even if nothing else is printed; it must not keep the process alive.
    w.timer ??= setTimeout(() => {
      w.timer = undefined;
      if (w.heldBack === 0) return;
      write(`insideout: ${n.where}: ${n.cause} on ${w.heldBack} more request${w.heldBack === 1 ? "" : "s"}, each retrying (up to ${n.of} attempts)`);
      w.heldBack = 0;
      w.printedAt = Date.now();
    }, WINDOW_MS - (now - w.printedAt)).unref();
  }
}

/** The process's notices. */
export const retryNotices = new RetryNotices();
