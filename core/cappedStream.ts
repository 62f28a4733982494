/**
 * A byte stream cut off past a cap: counted as the bytes come (after fetch has decompressed them), so a body that
 * would fill the memory is stopped after `cap` bytes, not buffered whole. Model answers (models/answerBody.ts) and a
 * LangGraph server's run streams (core/langgraphServer.ts) are read through it.
 */
export function cappedStream(body: ReadableStream<Uint8Array>, cap: number, tooLarge: () => Error): ReadableStream<Uint8Array> {
  let total = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > cap) {
          controller.error(tooLarge());
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}
