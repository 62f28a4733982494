/**
 * The evaluation's progress bar on stderr: examples done / total, the running score, errors, ETA, and while requests
 * wait for the provider's rate limit (models/pacing.ts), that they do.
 */
import { SingleBar } from "cli-progress";
import { pacingStatus } from "../models/pacing.js";

export interface ProgressView {
  start(total: number, done: number): void;
  /** One more example finished; `score` is the running accuracy (ERC) or judge mean (ERG), if any. */
  update(done: number, score: string, errors: number): void;
  stop(): void;
}

export function progressBar(label: string): ProgressView {
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {value}/{total} | {score} | errors {errors} | {rate}/s | ETA {eta_formatted}{pacing}`,
    barsize: 24,
    hideCursor: false,
    // Redraw at most ~5 times a second: thousands of examples would otherwise flood a slow terminal.
    fps: 5,
    etaBuffer: 200,
    // Not a terminal (CI, a pipe): one line now and then instead of carriage-return redraws.
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 10_000,
  });
  let started = 0;
  let startedAt = 0;
  let pacingTimer: NodeJS.Timeout | undefined;
  const pacing = () => {
    const status = pacingStatus();
    return status ? ` | ${status}` : "";
  };
  const rate = (done: number): string => {
    const s = (performance.now() - startedAt) / 1000;
    return s > 0 ? ((done - started) / s).toFixed(1) : "0";
  };
  return {
    start(total, done) {
      started = done;
      startedAt = performance.now();
      bar.start(total, done, { score: "-", errors: 0, rate: "0", pacing: "" });
      // Waiting for the rate limit finishes no example for a while: said as it happens, not at the next one.
      pacingTimer = setInterval(() => bar.update({ pacing: pacing() }), 1000);
      pacingTimer.unref();
    },
    update(done, score, errors) {
      bar.update(done, { score, errors, rate: rate(done), pacing: pacing() });
    },
    stop() {
      clearInterval(pacingTimer);
      bar.stop();
    },
  };
}

export const silentProgress: ProgressView = { start() {}, update() {}, stop() {} };
