/**
 * Ctrl-C during a long run: every finished example is already committed to SQLite (synchronously), and in-flight ones
 * were never written, so stopping at once loses nothing. Say so, and how to resume, and exit 130 as shells expect.
 */
export async function resumableOnInterrupt<T>(stop: () => void, run: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    process.stderr.write(
      `\ninsideout: ${signal === "SIGINT" ? "interrupted" : "stopped"}; every finished example is saved. Run the same command again to resume.\n`,
    );
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await run();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
