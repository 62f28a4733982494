/**
 * ChatOpenAI's chat-completions half, with the non-streamed request sent by us rather than by the OpenAI SDK.
 *
 * Why: an evaluation is CPU-bound in the client (bench/, part d). Per request the SDK rebuilds header objects, formats
 * debug-log details whether or not anything logs, sets up its own timeout and abort plumbing, and re-parses and copies
 * the answer for `response_format`: ~120 µs on its own, and with the garbage it leaves for the GC ~20 % of the client's
 * CPU per InsideOut dialogue. Our transport (limits.ts, http.ts) already does the retries, timeouts and concurrency
 * limit. Everything LangChain does around the request (message
 * conversion, usage, callbacks, tracing) is unchanged: only the one POST is ours.
 *
 * Failures come out as the SDK's own error classes, made the way the SDK makes them, so LangChain's error mapping and
 * our one-line messages (cli/errors.ts) see no difference. Streamed requests go through the SDK.
 */
import { ChatOpenAICompletions, getHeadersWithUserAgent, OpenAIClient, wrapOpenAIClientError } from "@langchain/openai";

type NonStreaming = OpenAIClient.Chat.ChatCompletionCreateParamsNonStreaming;
type Streaming = OpenAIClient.Chat.ChatCompletionCreateParamsStreaming;
type Completion = OpenAIClient.Chat.Completions.ChatCompletion;
type Chunk = OpenAIClient.Chat.Completions.ChatCompletionChunk;

const DEFAULT_BASE_URL = "https://api.openai.com/v1";

export class LeanCompletions extends ChatOpenAICompletions {
  private fixedHeaders: Record<string, string> | undefined;

  override completionWithRetry(request: Streaming, requestOptions?: OpenAIClient.RequestOptions): Promise<AsyncIterable<Chunk>>;
  override completionWithRetry(request: NonStreaming, requestOptions?: OpenAIClient.RequestOptions): Promise<Completion>;
  override async completionWithRetry(
    request: Streaming | NonStreaming,
    requestOptions?: OpenAIClient.RequestOptions,
  ): Promise<AsyncIterable<Chunk> | Completion> {
    // A key given as a function (the SDK calls it per request) is left to the SDK too, streamed or not.
    if (request.stream || typeof this.clientConfig.apiKey === "function") return super.completionWithRetry(request as Streaming, requestOptions);
    const { maxRetries, signal } = (requestOptions ?? {}) as OpenAIClient.RequestOptions & { maxRetries?: number };
    return this.caller.callWithOptions({ ...(maxRetries !== undefined ? { maxRetries } : {}) }, async () => {
      try {
        return await this.post(request, signal ?? undefined);
      } catch (e) {
        throw wrapOpenAIClientError(e);
      }
    });
  }

  /** What the SDK sends that a server reads: the key, the organisation and project, LangChain's user agent. */
  private headers(): Record<string, string> {
    if (this.fixedHeaders) return this.fixedHeaders;
    const c = this.clientConfig;
    const apiKey = typeof c.apiKey === "string" ? c.apiKey : undefined;
    const optional = (name: string, value: unknown) => (typeof value === "string" && value !== "" ? { [name]: value } : {});
    this.fixedHeaders = {
      ...(getHeadersWithUserAgent(c.defaultHeaders) as Record<string, string>),
      accept: "application/json",
      "content-type": "application/json",
      ...optional("authorization", apiKey ? `Bearer ${apiKey}` : undefined),
      ...optional("OpenAI-Organization", c.organization ?? process.env.OPENAI_ORG_ID),
      ...optional("OpenAI-Project", c.project ?? process.env.OPENAI_PROJECT_ID),
    };
    return this.fixedHeaders;
  }

  private async post(request: NonStreaming, signal: AbortSignal | undefined): Promise<Completion> {
    const fetchImpl = this.clientConfig.fetch ?? fetch;
    const base = (this.clientConfig.baseURL ?? process.env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    let response: Response;
    try {
      response = await fetchImpl(`${base}/chat/completions`, { method: "POST", headers: this.headers(), body: JSON.stringify(request), signal });
    } catch (e) {
      throw connectionError(e, signal);
    }
    if (!response.ok) {
      const text = await response.text().catch((e: unknown) => errorOf(e).message);
      const json = safeJson(text);
      throw OpenAIClient.APIError.generate(response.status, json, json === undefined ? text : undefined, response.headers);
    }
    const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
    if (mediaType.includes("application/json") || mediaType.endsWith("+json")) return (await response.json()) as Completion;
    return (await response.text()) as unknown as Completion;
  }
}

function errorOf(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** As the SDK (6.x, client.mjs) classifies a failed fetch: aborted by the caller, timed out, or a connection error. */
function connectionError(e: unknown, signal: AbortSignal | undefined): Error {
  const error = errorOf(e);
  if (signal?.aborted) return new OpenAIClient.APIUserAbortError();
  const isAbort = error.name === "AbortError" || error.message.includes("FetchRequestCanceledException");
  if (isAbort || /timed? ?out/i.test(String(error) + ("cause" in error ? String(error.cause) : ""))) {
    return new OpenAIClient.APIConnectionTimeoutError();
  }
  return new OpenAIClient.APIConnectionError({ cause: error });
}
