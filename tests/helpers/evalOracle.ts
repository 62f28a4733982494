/**
 * An OpenAI-compatible server whose answers are a known function of the example, for evaluation tests: the
 * expected metrics are computed here from the data file itself (read in place, not through the product's loaders)
 * and from that function, never from the code under test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CLI, REPO } from "./cli.js";
import { answerFromSchema, requestedSchema, promptOf, type ChatRequest } from "./openaiServer.js";
import { roleOf } from "./roles.js";

export const ED_TEST = path.resolve(REPO, "../shared/data/empathetic_dialogues/derived/ed_test_moel_format.jsonl");

/** The first `n` examples of ED's test split, written to `file` as a data file of their own. */
export function writeEdSlice(file: string, n: number): void {
  writeFileSync(file, readFileSync(ED_TEST, "utf8").split("\n").slice(0, n).join("\n") + "\n");
}

/** The ed32 labels and our ed18 grouping, written out again here so that the test does not trust the product's taxonomy. */
export const ED32 = [
  "afraid", "angry", "annoyed", "anticipating", "anxious", "apprehensive", "ashamed", "caring", "confident", "content",
  "devastated", "disappointed", "disgusted", "embarrassed", "excited", "faithful", "furious", "grateful", "guilty",
  "hopeful", "impressed", "jealous", "joyful", "lonely", "nostalgic", "prepared", "proud", "sad", "sentimental",
  "surprised", "terrified", "trusting",
];
const ED18_GROUPS: Record<string, string[]> = {
  afraid: ["afraid", "terrified"], anxious: ["anxious", "apprehensive"], angry: ["angry", "furious"],
  annoyed: ["annoyed"], disgusted: ["disgusted"], jealous: ["jealous"], sad: ["sad", "devastated", "lonely"],
  disappointed: ["disappointed"], ashamed: ["ashamed", "embarrassed", "guilty"], surprised: ["surprised"],
  impressed: ["impressed"], joyful: ["joyful", "content", "excited"], anticipating: ["anticipating", "prepared", "hopeful"],
  confident: ["confident", "proud"], grateful: ["grateful"], caring: ["caring"], trusting: ["trusting", "faithful"],
  nostalgic: ["nostalgic", "sentimental"],
};
export const ED18 = Object.keys(ED18_GROUPS);
export const GROUP_OF: Record<string, string> = Object.fromEntries(
  Object.entries(ED18_GROUPS).flatMap(([g, members]) => members.map((m) => [m, g])),
);

export interface RawExample {
  id: string;
  dialogue: string[];
  emotion: string;
  reference: string | null;
}

export function readEdTest(): RawExample[] {
  return readFileSync(ED_TEST, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const r = JSON.parse(l) as { context: string[]; target: string | null; emotion: string; conv_id: string };
      return { id: `${r.conv_id}#${r.context.length}`, dialogue: r.context, emotion: r.emotion, reference: r.target };
    });
}

/** The dialogue as the prompts show it (Speaker first, alternating). */
export function dialogueText(turns: readonly string[]): string {
  return turns.map((t, i) => `${i % 2 === 0 ? "Speaker" : "Listener"}: ${t.trim()}`).join("\n");
}

export type Behaviour = "right" | "right-messy" | "wrong" | "garbage";

/** What the recogniser does for an example: a function of the id's hash only. */
export function behaviourOf(id: string): Behaviour {
  const h = createHash("sha256").update(id).digest()[0]!;
  if (h % 10 === 9) return "garbage";
  if (h % 4 === 0) return "right-messy";
  return h % 2 === 0 ? "right" : "wrong";
}

/** The label the server answers for `ex` in a label set (undefined: no JSON at all). */
export function answerFor(ex: RawExample, labels: "ed32" | "ed18"): string | undefined {
  const set = labels === "ed32" ? ED32 : ED18;
  const gold = labels === "ed32" ? ex.emotion : GROUP_OF[ex.emotion]!;
  switch (behaviourOf(ex.id)) {
    case "garbage":
      return undefined;
    case "right":
      return gold;
    case "right-messy":
      // Case and punctuation, which the product normalises ("Joyful." → joyful).
      return `${gold[0]!.toUpperCase()}${gold.slice(1)}.`;
    case "wrong":
      return set[(set.indexOf(gold) + 1) % set.length];
  }
}

export interface Oracle {
  handler: (req: ChatRequest) => string;
  /** Exact expected accuracy ×100, and errors, for the examples given. */
  expected(examples: readonly RawExample[], labels: "ed32" | "ed18"): { accuracy: number; errors: number; correct: number };
}

/** `answering`: the role whose answer is the example's label (the recogniser, or InsideOut's aggregator); the rest answer the first option. */
export function oracle(examples: readonly RawExample[], answering: "recognize" | "aggregate" = "recognize"): Oracle {
  // Identical contexts in two examples are answered alike (by the first one's id): the server sees only text.
  const byText = new Map<string, RawExample>();
  for (const ex of examples) if (!byText.has(dialogueText(ex.dialogue))) byText.set(dialogueText(ex.dialogue), ex);
  const exampleOf = (req: ChatRequest): RawExample | undefined => {
    for (const m of req.messages) {
      const c = m.content ?? "";
      const i = c.indexOf("Speaker: ");
      if (m.role === "user" && i >= 0) {
        const hit = byText.get(c.slice(i).split("\n\nCandidate reply")[0]!.trim());
        if (hit) return hit;
      }
    }
    return undefined;
  };
  const handler = (req: ChatRequest): string => {
    const role = roleOf(promptOf(req));
    const schema = requestedSchema(req);
    const ex = exampleOf(req);
    if (!schema) return ex ? `I hear you. (${ex.id})` : "I hear you.";
    const enumOf = schema.properties?.emotion?.enum as string[] | undefined;
    const labels = enumOf && enumOf.length === 18 ? "ed18" : "ed32";
    let label: string | undefined;
    if (ex && role.kind === answering) {
      label = answerFor(ex, labels);
      if (label === undefined) return "Sorry, I cannot tell.";
    }
    return JSON.stringify(
      answerFromSchema(schema, (prop, options) => (prop === "emotion" && label !== undefined ? label : options[0])),
    );
  };
  const expected = (exs: readonly RawExample[], labels: "ed32" | "ed18") => {
    let correct = 0;
    let errors = 0;
    for (const ex of exs) {
      const answered = byText.get(dialogueText(ex.dialogue))!;
      const a = answerFor(answered, labels);
      if (a === undefined) {
        errors++;
        continue;
      }
      const gold = labels === "ed32" ? ex.emotion : GROUP_OF[ex.emotion];
      if (a.toLowerCase().replace(/\.$/, "") === gold) correct++;
    }
    return { accuracy: (100 * correct) / exs.length, errors, correct };
  };
  return { handler, expected };
}

export interface Spawned {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;
}

/** The built CLI in a child process, without runCli's 60 s cap, and killable. */
export function spawnCli(args: string[], env: Record<string, string | undefined>): Spawned {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>(
    (resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started })),
  );
  return { child, done };
}

/**
 * The exit of an eval that finished every example: 0, or 1 when some examples errored on the model's answers (the
 * oracle's garbage answers do), which the last stderr line then counts. Returns the metrics it printed (--json).
 */
export function finishedRun(r: { code: number | null; stdout: string; stderr: string }): { n: number; errors: number } & Record<string, unknown> {
  const m = JSON.parse(r.stdout) as { n: number; errors: number } & Record<string, unknown>;
  const errored = `${m.errors} of ${m.n} examples errored on the model's answers`;
  if (r.code !== (m.errors > 0 ? 1 : 0) || (m.errors > 0 && !r.stderr.includes(errored))) {
    throw new Error(`eval exited ${r.code} with ${m.errors} errors: ${r.stderr.slice(-1500)}`);
  }
  return m;
}
