/**
 * Reading a model server's answer with a byte cap, before anything parses it. The cap counts the bytes as fetch hands
 * them over, that is after undici has decompressed them (gzip, deflate, br), so a small compressed answer that expands
 * to gigabytes is stopped after `cap` bytes, not buffered whole: the stream is read chunk by chunk and cancelled
 * past the cap.
 */

import { cappedStream as capped } from "../core/cappedStream.js";

/** An answer longer than the cap; nothing of it was parsed. */
export class AnswerTooLarge extends Error {
  constructor(readonly capBytes: number) {
    super(`an answer larger than ${formatBytes(capBytes)}`);
    this.name = "AnswerTooLarge";
  }
}

/** The body broke off after the headers came: the server (or a proxy) closed the connection mid-answer. */
export class DroppedMidBody extends Error {
  constructor(options?: { cause?: unknown }) {
    super("the connection closed before the answer ended", options);
    this.name = "DroppedMidBody";
  }
}

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

/** The body as text, at most `cap` decoded bytes; AnswerTooLarge past it, DroppedMidBody if the stream breaks. */
export async function readCapped(res: Response, cap: number): Promise<string> {
  if (!res.body) return "";
  if (declaredTooLarge(res, cap)) {
    await res.body.cancel().catch(() => {});
    throw new AnswerTooLarge(cap);
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch (error) {
      throw new DroppedMidBody({ cause: error });
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => {});
      throw new AnswerTooLarge(cap);
    }
    chunks.push(step.value);
  }
  return Buffer.concat(chunks, total).toString("utf8");
}

/**
 * A streamed body passed on as it comes, erroring with `tooLarge(new AnswerTooLarge(cap))` once more than `cap` bytes
 * went through (the caller cancels the request there).
 */
export function cappedStream(body: ReadableStream<Uint8Array>, cap: number, tooLarge: (e: AnswerTooLarge) => Error): ReadableStream<Uint8Array> {
  return capped(body, cap, () => tooLarge(new AnswerTooLarge(cap)));
}
