/**
 * The LangGraph server's HTTP app of ours (langgraph.json `http.app`; LangGraph runs its middleware before its own
 * routes): a body limit on every request, then the UI route for assistants named by UUID (uiRoute.ts).
 *
 * The limit exists because the server reads a request whole before a graph sees it: a graph refuses a dialogue over
 * INSIDEOUT_MAX_DIALOGUE_BYTES at START, but by then a 90 MB body had already been read and kept (four at once took
 * the dev server to 1.26 GB). It follows from the dialogue limit, with room for JSON escapes, messages' fields,
 * the context and the config.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { setting } from "../core/settings.js";
import { uiRoute } from "./uiRoute.js";

const requestLimitBytes = (): number => 4 * setting("INSIDEOUT_MAX_DIALOGUE_BYTES") + (1 << 20);

export const app = new Hono();

// Read per request, as the graphs read the dialogue limit.
app.use((c, next) => {
  const maxSize = requestLimitBytes();
  return bodyLimit({
    maxSize,
    onError: (c) =>
      c.json({ error: "RequestTooLarge", message: `The request is larger than ${maxSize} bytes, more than any dialogue this server takes (INSIDEOUT_MAX_DIALOGUE_BYTES × 4 + 1 MiB).` }, 413),
  })(c, next);
});
app.route("/", uiRoute);
