/**
 * What a chat model's `invoke` threw, told apart: a call that got no answer from the model (the server unreachable,
 * slow, refusing the key, failing, refusing the request (HTTP 400, 422, ...), or not speaking the protocol) is a
 * ModelCallFailure, never a result. Only public means: the OpenAI SDK's exported
 * error classes, `status`, `code` and `name` fields, and our own TransportError and OllamaError.
 */
import { OpenAIClient } from "@langchain/openai";
import { ModelCallFailure, type CallFailureKind } from "../core/errors.js";
import { maskSecrets } from "../core/secrets.js";
import { ATTEMPTS_HEADER, formatDuration, retryAfterMs, TransportError, unreachableReason, WAIT_FROM_HEADER, WAIT_REFUSED_HEADER, type TransportKind } from "./limits.js";
import type { ProviderVariables } from "./types.js";

/** Set on errors whose kind their maker already knows (models/ollama.ts). */
export interface KnownFailure {
  failureKind?: CallFailureKind;
}

// Socket-level codes of node and undici: the connection went away, or a socket timer ran out.
const DROPPED = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
const TIMED_OUT = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** The error and its causes, outermost first. */
function chainOf(error: unknown): object[] {
  const chain: object[] = [];
  for (let e = error; e !== null && typeof e === "object" && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

function field<T>(e: object, name: string, type: "string" | "number"): T | undefined {
  const v = (e as Record<string, unknown>)[name];
  return typeof v === type ? (v as T) : undefined;
}

/**
 * An HTTP status carried by the error: the OpenAI, Anthropic and Google SDKs' `status`, the ollama client's
 * `status_code`, an axios-based client's `response.status` (the GigaChat SDK).
 */
function statusOf(e: object): number | undefined {
  const response = (e as { response?: unknown }).response;
  const axios = response && typeof response === "object" ? field<number>(response, "status", "number") : undefined;
  const s = field<number>(e, "status", "number") ?? field<number>(e, "status_code", "number") ?? axios;
  return s !== undefined && s >= 400 && s < 600 ? s : undefined;
}

/** The server's own words, when it gave any: OpenAI-style `{ error: { message } }`, on one short line. */
function serverSays(e: object): string {
  const body = (e as { error?: unknown }).error;
  const message = typeof body === "string" ? body : (body as { message?: unknown } | undefined)?.message;
  if (typeof message !== "string" || message.trim() === "") return "";
  const line = message.replace(/\s+/g, " ").trim();
  return `: ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`;
}

function isAbort(e: object): boolean {
  return e instanceof OpenAIClient.APIUserAbortError || field<string>(e, "name", "string") === "AbortError";
}

function isTimeout(e: object): boolean {
  const code = field<string>(e, "code", "string");
  // LangChain re-throws the SDK's APIConnectionTimeoutError as an Error named TimeoutError; AbortSignal.timeout's
  // DOMException and our own per-attempt TimeoutError have that name too.
  return e instanceof OpenAIClient.APIConnectionTimeoutError || field<string>(e, "name", "string") === "TimeoutError" || (code !== undefined && TIMED_OUT.has(code));
}

/** What a call that gave up in the transport counts as. */
const TRANSPORT_KINDS: Record<TransportKind, CallFailureKind> = {
  connection: "connection",
  dropped: "connection",
  timeout: "timeout",
  protocol: "protocol",
  redirect: "protocol",
  "too-large": "protocol",
  pacing: "rate-limit",
};

interface Found {
  kind: CallFailureKind;
  status?: number;
  detail: string;
  /** The transport's own account, when it gave up itself. */
  transport?: TransportError;
  /** "after 4 attempts", and the server's own hint about when to come back, for 429 and 5xx. */
  attempts?: number;
  hint?: string;
  /** The server ended the answer early: at its length limit, or by its content filter (finish_reason). */
  cutOff?: "length" | "content_filter";
}

/** A header of the error's response: the OpenAI SDK keeps them as Headers, other clients as a plain object. */
function headerOf(e: object, name: string): string | undefined {
  const h = (e as { headers?: unknown }).headers;
  if (h instanceof Headers) return h.get(name) ?? undefined;
  if (h && typeof h === "object") {
    const v = (h as Record<string, unknown>)[name];
    return typeof v === "string" ? v : undefined;
  }
  return undefined;
}

/** When the server says to come back: Retry-After, else OpenAI's x-ratelimit-reset-* ("1s", "6m0s"). */
function resetHint(e: object): string | undefined {
  const refused = Number(headerOf(e, WAIT_REFUSED_HEADER));
  const from = headerOf(e, WAIT_FROM_HEADER);
  if (Number.isFinite(refused) && refused > 0) return `it asked to wait ${formatDuration(refused)}${from ? ` (${from})` : ""}, longer than a request may wait (INSIDEOUT_MAX_WAIT_MS)`;
  const get = (name: string) => headerOf(e, name) ?? null;
  const wait = retryAfterMs({ get });
  if (wait !== undefined) return `it asks to wait ${formatDuration(wait)}`;
  const reset = get("x-ratelimit-reset-requests") ?? get("x-ratelimit-reset-tokens");
  return reset && /^[\w.]{1,20}$/.test(reset) ? `its limit resets in ${reset}` : undefined;
}

function classify(chain: object[]): Found | undefined {
  if (chain.some(isAbort)) return undefined;
  for (const e of chain) {
    if (e instanceof TransportError) {
      const detail = e.kind === "protocol" ? e.message.replace(/^The model server's answer is not a chat completion: /, "") : e.detail;
      return { kind: TRANSPORT_KINDS[e.kind], detail, transport: e };
    }
  }
  for (const e of chain) {
    // The OpenAI SDK's LengthFinishReasonError / ContentFilterFinishReasonError (not exported by @langchain/openai;
    // told apart by class name, as LangChain does for the SDK's errors): thrown before any answer text is kept.
    const name = (e as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === "string" && name.startsWith("LengthFinishReasonError")) return { kind: "request", detail: "", cutOff: "length" };
    if (typeof name === "string" && name.startsWith("ContentFilterFinishReasonError")) return { kind: "request", detail: "", cutOff: "content_filter" };
  }
  for (const e of chain) {
    const status = statusOf(e);
    if (status === undefined) continue;
    const detail = serverSays(e);
    const attempts = Number(headerOf(e, ATTEMPTS_HEADER)) || undefined;
    if (status === 401 || status === 403) return { kind: "auth", status, detail };
    if (status === 404) return { kind: "not-found", status, detail };
    if (status === 408) return { kind: "timeout", status, detail, attempts };
    if (status === 429) return { kind: "rate-limit", status, detail, attempts, hint: resetHint(e) };
    if (status === 409 || status >= 500) return { kind: "server", status, detail, attempts, hint: resetHint(e) };
    // Any other 4xx: the server read the request and refused it. Not the model's answer either (as a 4xx line of a
    // batch is not): the example stays unfinished, rather than counting as the model's error.
    return { kind: "request", status, detail };
  }
  if (chain.some(isTimeout)) return { kind: "timeout", detail: "" };
  for (const e of chain) {
    const reason = unreachableReason(e);
    if (reason) return { kind: "connection", detail: reason };
  }
  const dropped = chain.some((e) => DROPPED.has(field<string>(e, "code", "string") ?? ""));
  if (dropped || chain.some((e) => e instanceof OpenAIClient.APIConnectionError)) return { kind: "connection", detail: "the connection failed or dropped" };
  return undefined;
}

const API_ROOT = "check that OPENAI_BASE_URL is its API root (…/v1)";

/** The one line for a call the transport gave up on itself: what it saw, in its words, and what to do. */
function transportMessage(at: string, e: TransportError): string {
  switch (e.kind) {
    case "timeout":
      return `${at} did not answer in time (${e.detail}): check that it is up and not overloaded, or raise INSIDEOUT_TIMEOUT_MS.`;
    case "connection":
    case "dropped":
      return `${at} ${e.detail}: check the server's log, and that OPENAI_BASE_URL is its address.`;
    case "redirect":
      return `${at} ${e.detail}: set OPENAI_BASE_URL to the address that answers, if you trust it.`;
    case "too-large":
      return `${at} ${e.detail}: check the server, or raise INSIDEOUT_MAX_ANSWER_BYTES.`;
    case "pacing":
      return `${at} ${e.detail}.`;
    case "protocol":
      return `${at} did not answer as an OpenAI-compatible server (${e.message.replace(/^The model server's answer is not a chat completion: /, "").replace(/\.$/, "")}): ${API_ROOT}.`;
  }
}

function messageFor(where: string, f: Found, model?: string): string {
  const at = `The model server at ${where}`;
  const whose = model ? ` ${model}'s` : "";
  if (f.cutOff === "length") {
    return `${at} cut${whose} answer off at its length limit (finish_reason "length"): check the server's max tokens for the model, or lower INSIDEOUT_CONTEXT_TOKENS so the prompt leaves room.`;
  }
  if (f.cutOff === "content_filter") {
    return `${at} withheld${whose} answer by its content filter (finish_reason "content_filter"): the provider refused this dialogue.`;
  }
  if (f.transport && f.transport.kind !== "protocol") return transportMessage(at, f.transport);
  const { status, detail } = f;
  const after = f.attempts ? `after ${f.attempts} attempt${f.attempts === 1 ? "" : "s"}` : "after retries";
  const hint = f.hint ? `; ${f.hint}` : "";
  switch (f.kind) {
    case "connection":
      return `Cannot reach the model server at ${where} (${detail}): check that it is running, or set OPENAI_BASE_URL / --model.`;
    case "timeout":
      return `${at} did not answer in time${status ? ` (HTTP ${status}${detail})` : ""}, retries included: check that it is up and not overloaded, or raise INSIDEOUT_TIMEOUT_MS.`;
    case "auth":
      return status === 403
        ? `${at} refused access (HTTP 403${detail}): check that OPENAI_API_KEY may use this model.`
        : `${at} rejected the API key (HTTP ${status ?? 401}${detail}): check OPENAI_API_KEY.`;
    case "not-found":
      return `${at} has no such model or route (HTTP 404${detail}): check --model, and that OPENAI_BASE_URL is the API root (…/v1).`;
    case "rate-limit":
      return `${at} kept rate-limiting ${after} (HTTP 429${detail}${hint}): lower --concurrency or check the account's limits, then run again.`;
    case "server":
      return `${at} kept failing ${after} (HTTP ${status ?? 500}${detail}${hint}): try again later, or check the server.`;
    case "protocol":
      return `${at} did not answer as an OpenAI-compatible server (${detail.replace(/\.$/, "")}): ${API_ROOT}.`;
    case "request":
      return `${at} refused the request (HTTP ${status ?? 400}${detail}), which is no answer of the model: check --model and the server's limits (a dialogue longer than the model takes?).`;
  }
}

/**
 * The ModelCallFailure that `error` (thrown by a LangChain chat model's `invoke` or `stream`) stands for, or undefined
 * when it is not one: the caller's own abort, or anything else.
 * `where` is the model's endpoint, named in the one-line message; the message never holds a credential.
 */
const OPENAI_VARIABLES: ProviderVariables = { key: "OPENAI_API_KEY", baseUrl: "OPENAI_BASE_URL" };

/** The messages are written with OpenAI's variables; another provider's are put in their place. */
function withVariables(message: string, vars: ProviderVariables): string {
  return message.replaceAll("OPENAI_API_KEY", vars.key).replaceAll("OPENAI_BASE_URL", vars.baseUrl);
}

/**
 * The line for an answer the server cut off (finish_reason length or content_filter), or undefined for any other
 * error. Such an answer is the model's, and paid for: the caller records it as the model's failed answer.
 */
export function cutOffAnswer(error: unknown, where: string, vars: ProviderVariables = OPENAI_VARIABLES, model?: string): string | undefined {
  const found = classify(chainOf(error));
  return found?.cutOff ? maskSecrets(withVariables(messageFor(where, found, model), vars)) : undefined;
}

export function toModelCallFailure(error: unknown, where: string, vars: ProviderVariables = OPENAI_VARIABLES, model?: string): ModelCallFailure | undefined {
  if (error instanceof ModelCallFailure) return error;
  const chain = chainOf(error);
  // Errors that already say what to do, in their provider's terms (e.g. `ollama pull`).
  const known = chain.find((e): e is Error & KnownFailure => e instanceof Error && (e as KnownFailure).failureKind !== undefined);
  if (known) return new ModelCallFailure(known.failureKind!, maskSecrets(known.message), { cause: error });
  const found = classify(chain);
  if (!found) return undefined;
  return new ModelCallFailure(found.kind, maskSecrets(withVariables(messageFor(where, found, model), vars)), { cause: error });
}
