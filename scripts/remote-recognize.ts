/**
 * Example: trigger a graph on a running LangGraph server through the SDK, streaming each node's update.
 *   npm run dev            # in another terminal
 *   npx tsx scripts/remote-recognize.ts [http://127.0.0.1:2024] "I lost my job." "Oh no." "I don't know what to do."
 */
import { Client } from "@langchain/langgraph-sdk";

const args = process.argv.slice(2);
const apiUrl = args[0]?.startsWith("http") ? args.shift()! : "http://127.0.0.1:2024";
const dialogue = args.length ? args : ["I finally got the job!", "Congratulations!", "I still can't believe it."];

const client = new Client({ apiUrl });
// The run options are the graph's context (state/runOptions.ts); anything left out takes its default.
const stream = client.runs.stream(null, "erc", {
  input: { dialogue },
  context: { aggregation: "llm", labels: "ed32" },
  streamMode: "updates",
});
for await (const { event, data } of stream) {
  if (event !== "updates") continue;
  for (const [node, update] of Object.entries(data as Record<string, Record<string, unknown>>)) {
    console.log(node, JSON.stringify(update?.opinions ?? update?.emotion ?? update));
  }
}
