/**
 * toModelCallFailure on errors built by hand as the libraries build them (the OpenAI SDK's exported classes, fetch's
 * TypeError with a coded cause, LangChain's renamed timeout): the cases a loopback test cannot reach (DNS, fetch's
 * blocked ports) and the rules (what stays the caller's, masking, idempotence).
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { OpenAIClient } from "@langchain/openai";
import { ModelCallFailure } from "../../core/errors.js";
import { toModelCallFailure } from "../../models/failures.js";
import { TransportError } from "../../models/limits.js";
import { OllamaError } from "../../models/ollama.js";

const WHERE = "http://models.example:8000/v1";
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const fetchFailed = (cause: object) => new OpenAIClient.APIConnectionError({ cause: new TypeError("fetch failed", { cause }) });
const statusError = (status: number, message = "nope") => OpenAIClient.APIError.generate(status, { error: { message } }, undefined, new Headers());

describe("connection failures say why", () => {
  it.each([
    [{ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND models.example" }, "host not found"],
    [{ code: "EAI_AGAIN", message: "getaddrinfo EAI_AGAIN models.example" }, "host not found"],
    [{ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }, "connection refused"],
    [new Error("bad port"), "fetch refuses this port"],
  ])("%o", (cause, reason) => {
    const f = toModelCallFailure(fetchFailed(cause), WHERE);
    expect(f?.kind).toBe("connection");
    expect(f?.message).toBe(`Cannot reach the model server at ${WHERE} (${reason}): check that it is running, or set OPENAI_BASE_URL / --model.`);
  });

  it("a dropped stream (undici's socket error under a TypeError) is a connection failure", () => {
    const error = new TypeError("terminated", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    expect(toModelCallFailure(error, WHERE)?.kind).toBe("connection");
  });
});

describe("kinds", () => {
  it.each([
    [401, "auth"],
    [403, "auth"],
    [404, "not-found"],
    [408, "timeout"],
    [409, "server"],
    [429, "rate-limit"],
    [500, "server"],
    [502, "server"],
  ])("HTTP %i is %s", (status, kind) => {
    expect(toModelCallFailure(statusError(status), WHERE)?.kind).toBe(kind);
  });

  it("timeouts: the SDK's class, LangChain's rename of it, and our transport's", () => {
    expect(toModelCallFailure(new OpenAIClient.APIConnectionTimeoutError(), WHERE)?.kind).toBe("timeout");
    const renamed = Object.assign(new Error("Request timed out."), { name: "TimeoutError" });
    expect(toModelCallFailure(renamed, WHERE)?.kind).toBe("timeout");
    expect(toModelCallFailure(new TransportError("timeout", "The model server failed 3 times; last: no answer within 5 ms."), WHERE)?.kind).toBe("timeout");
  });

  it("our protocol error, wrapped by the SDK as a connection error, is protocol", () => {
    const inner = new TransportError("protocol", "The model server's answer is not a chat completion: no choices in the answer.");
    const f = toModelCallFailure(new OpenAIClient.APIConnectionError({ cause: inner }), WHERE);
    expect(f?.kind).toBe("protocol");
    expect(f?.message).toBe(
      `The model server at ${WHERE} did not answer as an OpenAI-compatible server (no choices in the answer): check that OPENAI_BASE_URL is its API root (…/v1).`,
    );
  });

  it("Ollama's own errors keep their words and get their kind", () => {
    const f = toModelCallFailure(new OllamaError("Ollama at http://h:1 has no model \"x\": run `ollama pull x`.", {}, "not-found"), "http://h:1");
    expect(f).toMatchObject({ kind: "not-found", message: "Ollama at http://h:1 has no model \"x\": run `ollama pull x`." });
    expect(toModelCallFailure(new OllamaError("OLLAMA_HOST=\"::\" is not a host"), "x")).toBeUndefined();
  });

  it("auth and not-found stop the run; the others do not", () => {
    expect(toModelCallFailure(statusError(401), WHERE)?.stopsRun).toBe(true);
    expect(toModelCallFailure(statusError(404), WHERE)?.stopsRun).toBe(true);
    expect(toModelCallFailure(statusError(503), WHERE)?.stopsRun).toBe(false);
  });
});

describe("requests the server refused as such (issue 23: no answer of the model, as a refused batch line)", () => {
  it.each([400, 413, 422])("HTTP %i: a ModelCallFailure of kind request", (status) => {
    const f = toModelCallFailure(statusError(status), WHERE);
    expect(f?.kind).toBe("request");
    expect(f?.message).toBe(`The model server at ${WHERE} refused the request (HTTP ${status}: nope), which is no answer of the model: check --model and the server's limits (a dialogue longer than the model takes?).`);
  });
});

describe("not model-call failures", () => {

  it("the caller's abort, a plain error, a non-error", () => {
    expect(toModelCallFailure(new OpenAIClient.APIUserAbortError(), WHERE)).toBeUndefined();
    expect(toModelCallFailure(Object.assign(new Error("Aborted"), { name: "AbortError" }), WHERE)).toBeUndefined();
    expect(toModelCallFailure(new Error("Cannot read properties of undefined"), WHERE)).toBeUndefined();
    expect(toModelCallFailure("boom", WHERE)).toBeUndefined();
  });
});

describe("the message", () => {
  it("is one line with the server's words, shortened, and no credential", () => {
    process.env.OPENAI_API_KEY = "abcdefgh-ijkl-0123456789";
    const f = toModelCallFailure(statusError(401, `Incorrect API key provided: abcdefgh-ijkl-0123456789.\n${"x".repeat(300)}`), WHERE)!;
    expect(f.message).not.toContain("abcdefgh-ijkl-0123456789");
    expect(f.message).toContain("(HTTP 401: Incorrect API key provided: [secret]. xxx");
    expect(f.message).not.toContain("\n");
    expect(f.message.length).toBeLessThan(300);
  });

  it("a ModelCallFailure passes through as it is", () => {
    const f = new ModelCallFailure("server", "already said");
    expect(toModelCallFailure(f, WHERE)).toBe(f);
  });
});
