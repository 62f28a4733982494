/**
 * A lean `fetch` for the OpenAI client's JSON requests, on node:http(s) with a shared keep-alive agent. An evaluation
 * is CPU-bound on the client, and undici's fetch (web streams, Headers, AbortSignal plumbing) costs about three times
 * what node:http does per request. Anything this path does not need to handle — streamed requests, request bodies
 * other than strings and bytes, `Request` inputs, other protocols, redirects — goes to the global fetch instead.
 */
import http from "node:http";
import https from "node:https";
import zlib from "node:zlib";

/** One attempt: `timeoutMs` covers the headers and the whole body (and, for a stream, the whole stream). */
export type TimedFetch = (input: string | URL | Request, init: RequestInit | undefined, timeoutMs: number) => Promise<Response>;
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number, options?: { cause?: unknown }) {
    super(`no answer within ${timeoutMs} ms`, options);
    this.name = "TimeoutError";
  }
}

// Sockets idle longer than this are closed by us first: Node servers drop idle keep-alive sockets after 5 s, and a
// request written onto a socket the server is closing fails for no reason of its own.
const IDLE_MS = 4000;
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: Infinity, timeout: IDLE_MS }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: Infinity, timeout: IDLE_MS }),
};

/** The parts of `Headers` that the OpenAI client and our retry logic read. */
interface HeaderReader {
  get(name: string): string | null;
  has(name: string): boolean;
  entries(): IterableIterator<[string, string]>;
  forEach(fn: (value: string, name: string) => void): void;
}

/** A HeaderReader over node's parsed header object, which is already lower-cased. */
class LeanHeaders implements HeaderReader {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) yield [name, this.get(name)!];
  }
  keys(): IterableIterator<string> {
    return Object.keys(this.raw)[Symbol.iterator]();
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  forEach(fn: (value: string, name: string) => void): void {
    for (const [k, v] of this.entries()) fn(v, k);
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}

/**
 * A fully read response. `body` is null: the client only hands it to a debug logger and to a stream cancel that
 * ignores null, and streamed answers never come here. `json()` keeps its result, so the JSON check in limits.ts and
 * the client share one parse.
 */
export class LeanResponse {
  readonly ok: boolean;
  readonly body = null;
  readonly bodyUsed = false;
  readonly redirected = false;
  readonly type = "basic";
  private parsed: unknown;
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: HeaderReader,
    readonly url: string,
    private readonly raw: string,
  ) {
    this.ok = status >= 200 && status < 300;
  }
  async text(): Promise<string> {
    return this.raw;
  }
  async json(): Promise<unknown> {
    this.parsed ??= JSON.parse(this.raw);
    return this.parsed;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return new TextEncoder().encode(this.raw).buffer;
  }
  clone(): LeanResponse {
    return new LeanResponse(this.status, this.statusText, this.headers, this.url, this.raw);
  }
}

/** Any fetch under the attempt's timeout; non-streamed bodies are read inside it, so a stalled body times out too. */
export async function viaFetch(fetchImpl: FetchLike, input: string | URL | Request, init: RequestInit | undefined, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const caller = init?.signal;
  const onAbort = () => controller.abort(caller!.reason);
  if (caller?.aborted) onAbort();
  else caller?.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new TimeoutError(timeoutMs));
  }, timeoutMs);
  let streaming = false;
  try {
    const res = await fetchImpl(input, { ...init, signal: controller.signal });
    if ((res.headers.get("content-type") ?? "").includes("text/event-stream")) {
      // The timeout keeps covering the stream, but must not hold the process open once the stream is done.
      streaming = true;
      timer.unref();
      return res;
    }
    const text = await res.text();
    return new LeanResponse(res.status, res.statusText, res.headers, res.url, text) as unknown as Response;
  } catch (error) {
    if (timedOut) throw new TimeoutError(timeoutMs, { cause: error });
    throw error;
  } finally {
    if (!streaming) {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onAbort);
    }
  }
}

function plainHeaders(h: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (Array.isArray(h)) for (const [k, v] of h) out[k!.toLowerCase()] = v!;
  else if (typeof (h as Headers).forEach === "function") (h as Headers).forEach((v, k) => (out[k] = v));
  else for (const [k, v] of Object.entries(h as Record<string, string>)) out[k.toLowerCase()] = v;
  return out;
}

/** Whether this request is one the lean path handles; see the top of the file for the rest. */
function leanUrl(input: string | URL | Request, init: RequestInit | undefined): URL | undefined {
  if (typeof input !== "string" && !(input instanceof URL)) return undefined;
  const body = init?.body;
  if (body != null && typeof body !== "string" && !(body instanceof Uint8Array)) return undefined;
  // The client serialises with JSON.stringify, so a streamed request says exactly this.
  if (typeof body === "string" && body.includes('"stream":true')) return undefined;
  const url = typeof input === "string" ? new URL(input) : input;
  return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
}

function decode(buf: Buffer, encoding: string | undefined): string {
  // We do not ask for compression, but a server or proxy may compress anyway.
  if (encoding === "gzip" || encoding === "x-gzip") buf = zlib.gunzipSync(buf);
  else if (encoding === "deflate") buf = zlib.inflateSync(buf);
  else if (encoding === "br") buf = zlib.brotliDecompressSync(buf);
  return buf.toString("utf8");
}

/** The lean transport: one request over the shared keep-alive agent, read whole. */
export const leanFetch: TimedFetch = (input, init, timeoutMs) => {
  const url = leanUrl(input, init);
  if (!url) return viaFetch(fetch, input, init, timeoutMs);
  const caller = init?.signal;
  if (caller?.aborted) return Promise.reject(caller.reason as Error);
  const headers = plainHeaders(init?.headers);
  const body = init?.body as string | Uint8Array | null | undefined;
  if (body != null) headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
  const method = init?.method?.toUpperCase() ?? "GET";

  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let req: http.ClientRequest;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      caller?.removeEventListener("abort", onAbort);
    };
    const finish = (error: unknown, res?: Response) => {
      if (settled) return;
      settle();
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(res!);
    };
    const onAbort = () => finish(caller!.reason);
    const timer = setTimeout(() => finish(new TimeoutError(timeoutMs)), timeoutMs);
    caller?.addEventListener("abort", onAbort, { once: true });

    const send = (retriedStale: boolean) => {
      const mod = url.protocol === "https:" ? https : http;
      req = mod.request(url, { method, headers, agent: agents[url.protocol as "http:" | "https:"] }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          // Redirects are rare for an API; fetch knows their rules (method and body changes), so let it follow them.
          res.resume();
          settle();
          viaFetch(fetch, url, init, timeoutMs).then(resolve, reject);
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", finish);
        res.on("end", () => {
          try {
            const text = decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), res.headers["content-encoding"]);
            finish(undefined, new LeanResponse(status, res.statusMessage ?? "", new LeanHeaders(res.headers), url.href, text) as unknown as Response);
          } catch (error) {
            finish(error);
          }
        });
        res.on("close", () => {
          if (!res.complete) finish(Object.assign(new Error("the connection closed before the answer ended"), { code: "ECONNRESET" }));
        });
      });
      req.on("error", (error: NodeJS.ErrnoException) => {
        // A kept-alive socket that the server closed as we wrote to it (it most likely never saw the request): one
        // immediate retry on a fresh socket, as Node's documentation suggests, rather than a backoff in limits.ts.
        if (!settled && !retriedStale && req.reusedSocket && error.code === "ECONNRESET") send(true);
        else finish(error);
      });
      req.end(body ?? undefined);
    };
    send(false);
  });
};
