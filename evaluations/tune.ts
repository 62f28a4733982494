import { setFlagsFromString } from "node:v8";
import { z } from "zod";

/**
 * An eval allocates fast (LangGraph and LangChain build configs, run trees and promises per node) while keeping
 * little: about 70 MB live at C=32 (--trace-gc). V8's default heap growing factor (up to 4×, chosen from GC speed)
 * then let the old space reach 300+ MB between full collections, so RSS climbed to 400-500 MB over the test split.
 * Growing by at most 2× keeps RSS near 250 MB at no measurable CPU cost. The flag is read at each collection, so it
 * can be set at run time; it is put back (0: V8's default) when the last concurrent eval ends.
 */
let tuned = 0;
let jitlessBefore: boolean | undefined;
export function tuneForEval(): () => void {
  if (tuned++ === 0) {
    setFlagsFromString("--heap-growing-percent=100");
    // Also: zod without its JIT. LangGraph validates every node update against a partial of the zod state schema
    // that it builds anew per write (validateStateUpdates), so zod compiled a fresh fast path (new Function) for
    // each one and used it once. Same results; ~6 % less CPU per example (A/B, 1000 examples, C=32).
    jitlessBefore = z.config().jitless;
    z.config({ jitless: true });
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--tuned === 0) {
      setFlagsFromString("--heap-growing-percent=0");
      z.config({ jitless: jitlessBefore ?? false });
    }
  };
}
