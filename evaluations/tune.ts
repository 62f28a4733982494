import { setFlagsFromString } from "node:v8";

/**
 * An eval allocates fast (LangGraph and LangChain build configs and promises per node) while keeping little. V8's
 * default heap growing factor (up to 4×, chosen from GC speed) let the old space of each thread reach several times
 * its live size between full collections, so RSS climbed to 450-500 MB over the test split. Growing by at most 1.5×
 * between collections keeps RSS near 370 MB at C = 32 with two workers, at no measurable CPU cost against 2×
 * (which gave ~435 MB; bench/, part d and e). The flag is read at each collection, so it can be set at run time; it is
 * put back (0: V8's default) when the last concurrent eval ends. V8 flags are per process, so this also holds for
 * the eval's worker threads.
 */
let tuned = 0;
export function tuneForEval(): () => void {
  if (tuned++ === 0) setFlagsFromString("--heap-growing-percent=50");
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--tuned === 0) setFlagsFromString("--heap-growing-percent=0");
  };
}
