/** The evaluation's progress bar on stderr: examples done / total, the running score, errors, ETA. */
import { SingleBar } from "cli-progress";

export interface ProgressView {
  start(total: number, done: number): void;
  /** One more example finished; `score` is the running accuracy (ERC) or judge mean (ERG), if any. */
  update(done: number, score: string, errors: number): void;
  stop(): void;
}

export function progressBar(label: string): ProgressView {
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {value}/{total} | {score} | errors {errors} | {rate}/s | ETA {eta_formatted}`,
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
  const rate = (done: number): string => {
    const s = (performance.now() - startedAt) / 1000;
    return s > 0 ? ((done - started) / s).toFixed(1) : "0";
  };
  return {
    start(total, done) {
      started = done;
      startedAt = performance.now();
      bar.start(total, done, { score: "-", errors: 0, rate: "0" });
    },
    update(done, score, errors) {
      bar.update(done, { score, errors, rate: rate(done) });
    },
    stop() {
      bar.stop();
    },
  };
}

export const silentProgress: ProgressView = { start() {}, update() {}, stop() {} };
