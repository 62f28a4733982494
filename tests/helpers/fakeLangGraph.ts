/**
 * A LangGraph server on 127.0.0.1 that speaks just enough of the API for `eval --server` / `recognize --server`
 * (`POST /assistants/search`, `POST /runs/stream` as server-sent events), and answers each run with whatever final
 * state a test's handler returns: a hostile server, to check what the client accepts as a result.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RunRequest {
  assistant_id: string;
  input: { dialogue?: string[]; speakers?: string[] };
  context?: Record<string, unknown>;
}

/**
 * The final state to send; `hang` to accept the run and never end it; `end` to end its stream without a final state;
 * `drop` to close the connection mid-stream, as a server that dies; and, never ending the run either, `heartbeat`
 * (an SSE comment every 100 ms), `emptyEvents` (an event with no data every 100 ms) or `partial` (a `values` event
 * that is never finished, a byte every 100 ms).
 */
export type RunAnswer = Record<string, unknown> | "hang" | "end" | "drop" | "heartbeat" | "emptyEvents" | "partial";

const TRICKLE: Partial<Record<string, { first: string; then: string }>> = {
  heartbeat: { first: "", then: ": heartbeat\n\n" },
  emptyEvents: { first: "", then: "event: heartbeat\n\n" },
  partial: { first: 'event: values\ndata: {"dialogue": ["', then: "x" },
};

export interface FakeLangGraph {
  url: string;
  runs: RunRequest[];
  close(): Promise<void>;
}

export async function startFakeLangGraph(handler: (run: RunRequest) => RunAnswer): Promise<FakeLangGraph> {
  const runs: RunRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      if (req.url?.startsWith("/assistants/search")) {
        const { graph_id } = JSON.parse(body || "{}") as { graph_id?: string };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify([{ assistant_id: graph_id, graph_id, config: {}, metadata: {}, name: graph_id }]));
        return;
      }
      if (req.url?.startsWith("/runs/stream")) {
        const run = JSON.parse(body) as RunRequest;
        runs.push(run);
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write(`event: metadata\ndata: ${JSON.stringify({ run_id: `run-${runs.length}` })}\n\n`);
        const answer = handler(run);
        if (answer === "hang") return;
        const trickle = typeof answer === "string" ? TRICKLE[answer] : undefined;
        if (trickle) {
          res.write(trickle.first);
          const timer = setInterval(() => res.write(trickle.then), 100);
          res.on("close", () => clearInterval(timer));
          return;
        }
        if (answer === "end") return void res.end();
        if (answer === "drop") return void res.socket?.destroy();
        res.write(`event: values\ndata: ${JSON.stringify(answer)}\n\n`);
        res.end();
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: "Not Found" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    runs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
