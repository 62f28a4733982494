/**
 * Reading a model server's answer with a byte cap, before anything parses it. The cap counts the bytes as fetch hands
 * them over, that is after undici has decompressed them (gzip, deflate, br), so a small compressed answer that expands
 * to gigabytes is stopped after `cap` bytes, not buffered whole: the stream is read chunk by chunk and cancelled
 * past the cap.
 */
import { cappedStream as capped } from "../core/cappedStream.js";

/**
 * `too-large`: an answer longer than the cap, nothing of it parsed; `dropped`: the body broke off after the headers
 * came (the server, or a proxy, closed the connection mid-answer).
 */
export class AnswerBodyError extends Error {
  constructor(
    readonly kind: "too-large" | "dropped",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AnswerBodyError";
  }
}

const overCap = (capBytes: number) => new AnswerBodyError("too-large", `an answer larger than ${formatBytes(capBytes)}`);

/** "4 MB", "512 KB", "100 bytes": binary units, whole numbers where exact. */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [1024 ** 3, "GB"],
    [1024 ** 2, "MB"],
    [1024, "KB"],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
    }
  }
  return `${n} bytes`;
}

/** A declared length over the cap is refused before a byte is read (only when uncompressed: it is then the real size). */
function declaredTooLarge(res: Response, cap: number): boolean {
  const encoding = (res.headers.get("content-encoding") ?? "identity").toLowerCase();
  const length = Number(res.headers.get("content-length"));
  return (encoding === "identity" || encoding === "") && Number.isFinite(length) && length > cap;
}

/** The body as text, at most `cap` decoded bytes; an AnswerBodyError past it (`too-large`) or if the stream breaks (`dropped`). */
export async function readCapped(res: Response, cap: number): Promise<string> {
  if (!res.body) return "";
  if (declaredTooLarge(res, cap)) {
    await res.body.cancel().catch(() => {});
    throw overCap(cap);
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch (error) {
      throw new AnswerBodyError("dropped", "the connection closed before the answer ended", { cause: error });
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => {});
      throw overCap(cap);
    }
    chunks.push(step.value);
  }
  return Buffer.concat(chunks, total).toString("utf8");
}

/**
 * A streamed body passed on as it comes, erroring with `tooLarge(<a too-large AnswerBodyError>)` once more than `cap` bytes
 * went through (the caller cancels the request there).
 */
export function cappedStream(body: ReadableStream<Uint8Array>, cap: number, tooLarge: (e: AnswerBodyError) => Error): ReadableStream<Uint8Array> {
  return capped(body, cap, () => tooLarge(overCap(cap)));
}
