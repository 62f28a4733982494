import { setFlagsFromString } from "node:v8";

/**
 * An eval allocates fast (LangGraph and LangChain build configs, run trees and promises per node) while keeping
 * little: about 70 MB live at C=32 (--trace-gc). V8's default heap growing factor (up to 4×, chosen from GC speed)
 * then let the old space reach 300+ MB between full collections, so RSS climbed to 400-500 MB over the test split.
 * Growing by at most 2× keeps RSS near 250 MB at no measurable CPU cost. The flag is read at each collection, so it
 * can be set at run time; it is put back (0: V8's default) when the last concurrent eval ends. V8 flags are per
 * process, so this also holds for the eval's worker threads.
 */
let tuned = 0;
export function tuneForEval(): () => void {
  if (tuned++ === 0) setFlagsFromString("--heap-growing-percent=100");
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--tuned === 0) setFlagsFromString("--heap-growing-percent=0");
  };
}
