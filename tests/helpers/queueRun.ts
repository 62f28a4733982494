/**
 * Runs 96 examples through the eval's queue at concurrency 32 in a process of its own and prints what it saw as one
 * JSON line: most examples in flight, the ids stored, and the names of the process warnings Node emitted (jest's
 * sandbox does not see those, so the test runs this with tsx).
 */
import type { Example } from "../../evaluations/data/index.js";
import type { PredictionRecord } from "../../evaluations/record.js";
import { ExampleQueue } from "../../evaluations/queue.js";

const warnings: string[] = [];
process.on("warning", (w) => warnings.push(w.name));
let inFlight = 0;
let most = 0;
const stored: string[] = [];
const queue = new ExampleQueue(
  async (e: Example) => {
    most = Math.max(most, ++inFlight);
    await new Promise((r) => setTimeout(r, 20));
    inFlight--;
    return { record: { id: e.id } as unknown as PredictionRecord };
  },
  { concurrency: 32, maxConsecutiveUnfinished: 10, store: (e) => stored.push(e.id) },
);
await queue.drain(Array.from({ length: 96 }, (_, i): Example => ({ id: `c${i}#1`, dialogue: [`turn ${i}`], emotion: "sad", reference: null })));
await new Promise((r) => setTimeout(r, 50));
process.stdout.write(`${JSON.stringify({ most, stored, warnings })}\n`);
