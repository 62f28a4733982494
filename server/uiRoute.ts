/**
 * The agents' views for a client that names an
 * assistant by its UUID. A client loads a view's component from `/ui/<namespace>`, and agent-chat-ui (like any
 * `useStream` client with LoadExternalComponent and no `namespace`) takes the namespace to be the assistant id it
 * was given; the server serves the components per graph id (`ui` in langgraph.json), so for a UUID it answers 404
 * and the views never show. Here a UUID is looked up through the server's own API (with the caller's headers, so its
 * auth applies) and answered with its graph's components; a graph id goes on to the server's route as before.
 */
import { Hono } from "hono";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What the lookup passes on of the caller's request: its credentials, as the server's auth reads them. */
const FORWARDED = ["authorization", "x-api-key", "cookie"];

/**
 * This server, as the connection reached it: the socket's local address and port, which @hono/node-server (the
 * LangGraph server's HTTP layer) hands to routes as `env.incoming`. Not the request's Host header, which the caller
 * writes: the lookups below would otherwise go, with the caller's credentials, wherever a caller pointed them.
 */
function ownOrigin(env: unknown): string | undefined {
  const socket = (env as { incoming?: { socket?: { localAddress?: string; localPort?: number } } } | undefined)?.incoming?.socket;
  const address = socket?.localAddress;
  const port = socket?.localPort;
  if (!address || !port) return undefined;
  const host = address.startsWith("::ffff:") ? address.slice(7) : address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export const uiRoute = new Hono();

uiRoute.post("/ui/:agent", async (c, next) => {
  const agent = c.req.param("agent");
  if (!UUID.test(agent)) return next();
  const origin = ownOrigin(c.env);
  if (!origin) return c.text(`UI not found for assistant "${agent}"`, 404);
  const headers = new Headers();
  for (const name of FORWARDED) {
    const value = c.req.header(name);
    if (value) headers.set(name, value);
  }
  const found = await fetch(`${origin}/assistants/${agent}`, { headers });
  if (!found.ok) return c.text(`UI not found for assistant "${agent}" (${found.status})`, 404);
  const { graph_id: graph } = (await found.json()) as { graph_id?: unknown };
  if (typeof graph !== "string" || UUID.test(graph)) return c.text(`UI not found for assistant "${agent}"`, 404);
  headers.set("content-type", "application/json");
  // The server's own answer for the graph: its HTML names the graph's script, which it serves at /ui/<graph>/….
  const ui = await fetch(`${origin}/ui/${encodeURIComponent(graph)}`, { method: "POST", headers, body: await c.req.text() });
  return c.body(await ui.text(), ui.status as 200 | 404, { "Content-Type": ui.headers.get("content-type") ?? "text/html" });
});
