/**
 * `gigachat:<model>` (the paper's GigaChat) through langchain-gigachat, whose client (the `gigachat` SDK) does the
 * OAuth exchange: GIGACHAT_CREDENTIALS (the base64 authorization key) and GIGACHAT_SCOPE for a token at
 * GIGACHAT_AUTH_URL, then chat at GIGACHAT_BASE_URL. Structured output is GigaChat's function calling
 * (`functions` + `function_call: { name }`). The SDK keeps its token until the server refuses it (401), then fetches a
 * new one; one instance per settings for the process, and the first call going alone, make that one token request for
 * a whole run instead of one per concurrent call.
 */
import { readRegularFile } from "../core/regularFile.js";
import { setting } from "../core/settings.js";
import { ClientsPerLimiter } from "./clients.js";
import { AsyncLocalStorage } from "node:async_hooks";
import { Agent } from "node:https";
import { rootCertificates } from "node:tls";
import { GigaChat } from "langchain-gigachat";
import { defaultLimits, globalLimiter, limited, type Semaphore } from "./limits.js";
import type { ModelOptions, ResolvedModel } from "./types.js";

/**
 * The SDK and the integration write to the console unconditionally, with no option to stop them: "OAUTH UPDATE
 * TOKEN" on stdout (which would corrupt `--json`), and `console.error(error)` of every failed request, whose object
 * holds the request's Authorization header. Console calls made inside a GigaChat call are dropped; the failure itself
 * still reaches the caller as an error (models/failures.ts).
 */
const insideGigaChat = new AsyncLocalStorage<true>();
let consoleFiltered = false;

function quietConsole(): void {
  if (consoleFiltered) return;
  consoleFiltered = true;
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      if (!insideGigaChat.getStore()) original(...args);
    };
  }
}


/**
 * Around every request to one GigaChat client: the request limiter, the first call alone (it fetches the token that
 * the client then keeps), and the library kept quiet.
 */
class GigaChatGate {
  private tokenHeld = false;
  private firstCall?: Promise<unknown>;

  constructor(private readonly limiter: Semaphore) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    // Until one call has succeeded (so the client holds a token), calls wait for the one in flight. No await between
    // this check and `firstCall` being set below, so exactly one call goes first.
    while (!this.tokenHeld && this.firstCall) await this.firstCall.catch(() => undefined);
    const run = () => limited(this.limiter, () => insideGigaChat.run(true, call));
    if (this.tokenHeld) return run();
    const first = run();
    this.firstCall = first.then(
      () => (this.tokenHeld = true),
      () => (this.firstCall = undefined),
    );
    return first;
  }
}

/** Far above any CA bundle (the system's whole store is ~200 KiB). */
const CA_BUNDLE_MAX_BYTES = 16 * 1024 * 1024;

/** GigaChat's chain (the Russian Trusted Root CA) is not in Node's store: GIGACHAT_CA_BUNDLE_FILE adds a PEM bundle. */
function httpsAgentFor(caFile: string | undefined): Agent | undefined {
  if (!caFile) return undefined;
  let pem: string;
  try {
    // A CA bundle is kilobytes: the size is checked by fstat before reading, and a FIFO or device is refused.
    pem = readRegularFile(caFile, "GIGACHAT_CA_BUNDLE_FILE", CA_BUNDLE_MAX_BYTES).toString("utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!code) throw e;
    throw new Error(`GIGACHAT_CA_BUNDLE_FILE="${caFile}" cannot be read (${code}): point it at a PEM file of GigaChat's CA certificates.`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new Error(`GIGACHAT_CA_BUNDLE_FILE="${caFile}" holds no PEM certificate: point it at a PEM file of GigaChat's CA certificates.`);
  }
  return new Agent({ ca: [...rootCertificates, pem], keepAlive: true });
}

const clients = new ClientsPerLimiter<{ chat: GigaChat; gate: GigaChatGate }>();

export function gigachatModel(name: string, options: ModelOptions): ResolvedModel {
  const credentials = setting("GIGACHAT_CREDENTIALS");
  const accessToken = setting("GIGACHAT_ACCESS_TOKEN");
  if (!credentials && !accessToken) {
    throw new Error(
      "GIGACHAT_CREDENTIALS is not set: export GigaChat's authorization key (base64 of client id:secret) and, for a corporate account, GIGACHAT_SCOPE; or pick another model with --model.",
    );
  }
  const baseUrl = setting("GIGACHAT_BASE_URL").replace(/\/+$/, "");
  const authUrl = setting("GIGACHAT_AUTH_URL");
  const scope = setting("GIGACHAT_SCOPE");
  const caFile = setting("GIGACHAT_CA_BUNDLE_FILE");
  const limits = defaultLimits();
  const timeoutMs = options.timeoutMs ?? limits.timeoutMs;
  const maxRetries = options.maxRetries ?? limits.maxRetries;
  const temperature = options.temperature ?? 0;
  const limiter = options.limiter ?? globalLimiter();
  const client = clients.get(limiter, [name, baseUrl, authUrl, scope, credentials, accessToken, caFile, temperature, timeoutMs, maxRetries], () => {
    quietConsole();
    const httpsAgent = httpsAgentFor(caFile);
    const chat = new GigaChat({
      model: name,
      baseUrl,
      authUrl,
      scope,
      ...(credentials ? { credentials } : {}),
      ...(accessToken ? { accessToken } : {}),
      ...(httpsAgent ? { httpsAgent } : {}),
      temperature,
      // The SDK's timeout is in seconds, per request; LangChain's caller retries 408/429/5xx and dropped connections.
      timeout: timeoutMs / 1000,
      maxRetries,
    });
    return { chat, gate: new GigaChatGate(limiter) };
  });
  const { chat, gate } = client;
  return {
    spec: `gigachat:${name}`,
    provider: "gigachat",
    name,
    chat,
    structuredMethod: "functionCalling",
    around: (call) => gate.run(call),
    variables: { key: "GIGACHAT_CREDENTIALS", baseUrl: "GIGACHAT_BASE_URL" },
    identity: { provider: "gigachat", endpoint: baseUrl, model: name, params: { temperature } },
  };
}
