/** Ctrl-C during `eval`: exit 130 with a one-line notice, nothing finished is lost, and the same command resumes. */
import { describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { answerFromSchema, requestedSchema, startFakeOpenAI } from "../helpers/openaiServer.js";
import { CLI, REPO, runCli } from "../helpers/cli.js";

describe("Ctrl-C during eval", () => {
  it("stops at once, says how to resume, and the resumed run counts every example once", async () => {
    const server = await startFakeOpenAI(
      (req) => JSON.stringify(answerFromSchema(requestedSchema(req)!, (p, o) => (p === "emotion" ? "sad" : o[0]))),
      { delayMs: 150 },
    );
    const dir = mkdtempSync(path.join(tmpdir(), "interrupt-"));
    const data = path.join(dir, "data.jsonl");
    // 40 examples, every fourth one "sad": accuracy 25.00 when the server always answers sad.
    const lines = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ id: `x${i}`, dialogue: [`turn ${i}`], emotion: i % 4 === 0 ? "sad" : "angry", reference: "ok" }),
    );
    writeFileSync(data, lines.join("\n") + "\n");
    const out = path.join(dir, "exp");
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test", INSIDEOUT_CACHE_DIR: path.join(dir, "cache") };
    const args = ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--data", data, "--concurrency", "2", "--out", out, "--no-progress"];
    try {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      // Wait until some examples are done (2 in flight, 150 ms each), then interrupt.
      while (server.requests.length < 8) await new Promise((r) => setTimeout(r, 50));
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/interrupted; every finished example is saved\. Run the same command again to resume\./);
      const before = server.requests.length;
      expect(before).toBeLessThan(40);

      const resumed = await runCli([...args, "--json"], env);
      expect(resumed.code).toBe(0);
      const metrics = JSON.parse(resumed.stdout);
      expect(metrics.n).toBe(40);
      expect(metrics.erc.accuracy).toBeCloseTo(25, 6);
      // Finished examples were not asked again: at most the ones in flight at the interrupt are repeated.
      expect(server.requests.length - before).toBeLessThanOrEqual(40 - before + 2 + 2);
      const ids = readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).id);
      expect(new Set(ids).size).toBe(40);
    } finally {
      await server.close();
    }
  });
});
