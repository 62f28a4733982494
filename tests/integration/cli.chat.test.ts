/** `insideout chat` with its turns on stdin: each turn shows the agents' proposals and the chosen reply, and is saved. */
import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { answerFromSchema, requestedSchema, startFakeOpenAI, promptOf } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";
import { runCli } from "../helpers/cli.js";

describe("insideout chat", () => {
  it("answers each turn with the aggregator's choice and keeps the history", async () => {
    const server = await startFakeOpenAI((req) => {
      const role = roleOf(promptOf(req));
      const value = answerFromSchema(requestedSchema(req)!, (p, o) => (p === "emotion" ? "sad" : p === "choice" ? "fear" : o[0])) as Record<string, unknown>;
      if (role.kind === "agent") value.reply = `${role.emotion} says hi`;
      return JSON.stringify(value);
    });
    const save = path.join(mkdtempSync(path.join(tmpdir(), "chat-")), "t.jsonl");
    try {
      const r = await runCli(["chat", "--model", "openai:m", "--save", save], { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-t" }, "My cat is ill.\nThe vet is tomorrow.\n");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\(you seem sad\)/);
      expect(r.stdout).toMatch(/sadness: sadness says hi/);
      expect(r.stdout.match(/^insideout> fear says hi {2}\[fear\]$/gm)).toHaveLength(2);
      expect(r.stdout.trim().endsWith("bye")).toBe(true);
      const saved = readFileSync(save, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(saved.map((s) => s.user)).toEqual(["My cat is ill.", "The vet is tomorrow."]);
      // The transcript holds the user's words: created readable by its owner only.
      expect(statSync(save).mode & 0o777).toBe(0o600);
      // The second turn's requests carry the whole conversation so far: turn, reply, turn.
      const last = server.requests.at(-1)!;
      expect(JSON.stringify(last.messages)).toContain("Listener: fear says hi");
      expect(JSON.stringify(last.messages)).toContain("Speaker: The vet is tomorrow.");
    } finally {
      await server.close();
    }
  });

  it("--save appends to a transcript that already exists, and makes it owner-only (it holds dialogues)", async () => {
    const server = await startFakeOpenAI((req) => JSON.stringify(answerFromSchema(requestedSchema(req)!)));
    const save = path.join(mkdtempSync(path.join(tmpdir(), "chat-")), "old.jsonl");
    writeFileSync(save, '{"user":"earlier","reply":"yes"}\n', { mode: 0o640 });
    try {
      const r = await runCli(["chat", "--model", "openai:m", "--save", save], { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-t" }, "Hello.\n");
      expect(r.code).toBe(0);
      const saved = readFileSync(save, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(saved.map((s) => s.user)).toEqual(["earlier", "Hello."]);
      expect(statSync(save).mode & 0o777).toBe(0o600);
    } finally {
      await server.close();
    }
  });
});
