/**
 * What a LangGraph server run's `error` event ({ error: <name>, message }, as langgraph-api serializes the error a
 * graph threw) becomes in an eval: the graph's own failures, named by the real classes (a rename must break this),
 * are results with the local message; everything else is a ServerRunFailure, which leaves the example unfinished.
 */
import { describe, expect, it } from "@jest/globals";
import { RunRefused } from "../../core/access.js";
import { ModelCallFailure, notAResultIn, ServerRunFailure } from "../../core/errors.js";
import { runError, serverUrl, transportFailure } from "../../core/langgraphServer.js";
import { InvalidAnswerError } from "../../models/structured.js";
import { AllAgentsFailedError } from "../../nodes/aggregate.js";
import { EmptyDialogueError } from "../../state/state.js";
import { ConversationError } from "../../nodes/turns.js";

const URL = "http://127.0.0.1:2024";
const event = (e: Error) => ({ error: e.name, message: e.message });

describe("runError", () => {
  it.each([
    new InvalidAnswerError("recognition: emotion: Invalid option", { promptTokens: 1, completionTokens: 1, calls: 2, latencyMs: 1 }),
    new AllAgentsFailedError({ anger: "invalid answer" }),
    new EmptyDialogueError(),
    new ConversationError("The messages end with an AI message"),
  ])("the graph's own %p is a result, with the local run's name and message", (thrown) => {
    const e = runError(URL, event(thrown));
    expect(notAResultIn(e)).toBeUndefined();
    expect(e.name).toBe(thrown.name);
    expect(e.message).toBe(thrown.message);
  });

  it("a model call that failed on the server leaves the example unfinished, without stopping the eval", () => {
    const e = runError(URL, event(new ModelCallFailure("auth", "The model server rejected the API key.")));
    expect(e).toBeInstanceOf(ServerRunFailure);
    expect((e as ServerRunFailure).kind).toBe("model");
    expect((e as ServerRunFailure).stopsRun).toBe(false);
    expect(e.message).toBe(`The model server rejected the API key. (on the LangGraph server at ${URL})`);
  });

  it.each([new RunRefused("option", "Invalid run option temperature (7): Too big"), new RunRefused("access", 'labels "x/y" refused')])(
    "a refusal of the run's options stops the eval: %p",
    (thrown) => {
      const e = runError(URL, event(thrown)) as ServerRunFailure;
      expect(e.kind).toBe("refused");
      expect(e.stopsRun).toBe(true);
      expect(e.message).toBe(`The LangGraph server at ${URL} refused the run: ${thrown.message}`);
    },
  );

  it("an error it does not know (LangGraph's, the server's, an AggregateError of two branches) is not a result", () => {
    for (const data of [{ error: "AggregateError", message: "two errors" }, { error: "Error", message: "boom" }, "Run not found", null]) {
      const e = runError(URL, data);
      expect(e).toBeInstanceOf(ServerRunFailure);
      expect((e as ServerRunFailure).kind).toBe("server");
      expect((e as ServerRunFailure).stopsRun).toBe(false);
    }
  });
});

describe("transportFailure and serverUrl", () => {
  it("no connection is 'unreachable', one line naming the server; an HTTP error is the server's failure", () => {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) });
    expect(transportFailure(URL, refused).kind).toBe("unreachable");
    expect(transportFailure(URL, refused).message).toBe(`Cannot reach the LangGraph server at ${URL}: start it with \`npm run dev\` or check --server.`);
    const http = transportFailure(URL, new Error('HTTP 500: {"detail":\n"boom"}'));
    expect(http.kind).toBe("server");
    expect(http.message).toBe(`The LangGraph server at ${URL} failed the run: HTTP 500: {"detail": "boom"}`);
  });

  it("accepts http(s) URLs only, written without a trailing slash", () => {
    expect(serverUrl("http://127.0.0.1:2024/")).toBe("http://127.0.0.1:2024");
    expect(serverUrl("https://x.example/api/")).toBe("https://x.example/api");
    expect(() => serverUrl("127.0.0.1:2024")).toThrow(/--server is not a URL \(such as http:/);
    expect(() => serverUrl("file:///etc/passwd")).toThrow(/http:\/\/ or https:\/\//);
  });
});
