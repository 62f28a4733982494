/**
 * The graphs in a real chat client: agent-chat-ui (LangChain's, unmodified, from ../shared/clients) in headless
 * Chromium against `npm run dev`, the model the demo server on loopback (an OpenAI-compatible server that streams
 * a few words at a time, 150 ms apart, so each call takes a moment: an agent's answer about 4 s, the aggregate
 * agent's about 1 s). Every change of the chat is recorded while a run
 * goes: no internal call's JSON ever shows, the agents' views show before the answer does, ERG's reply and ERC's
 * answer stay, and a second turn on the thread works the same. Screenshots are left in the temp folder named below.
 *
 * Needs Chromium at /usr/bin/chromium (setup:test installs it) and the npm registry for agent-chat-ui's
 * dependencies; the first run on a machine installs and builds agent-chat-ui (about 1 minute), later runs reuse it; its dev server then compiles the page (1–3 minutes).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { CHAT_UI_SOURCE, CHROMIUM, launchChromium, preparedChatUi, recordChanges, say, startChatUi, type Snapshot } from "../helpers/chatUi.js";
import { REPO } from "../helpers/cli.js";
import { freePort, startDevServer, type DevServer } from "../helpers/devServer.js";

const SHOTS = path.join(os.tmpdir(), "insideout-chatui-screenshots");
/** What an internal structured call's answer looks like when it leaks into the chat. */
const JSON_BUBBLE = /\{\s*"(reply|choice|emotion|confidence|rationale)"\s*:/;
/** The demo server's canned answers (tests/helpers/demoServer.ts). */
const ERG_REPLY = "wonderful news! Congratulations, enjoy every bit of it!"; // the page may curl the apostrophe before it
const RESPONDER = "Congratulations! That is wonderful news. What are you looking forward to most?";
const TURNS = ["I finally got the job I wanted!", "And I start on Monday."];

let demo: ChildProcess;
let dev: DevServer;
let ui: { url: string; stop: () => Promise<void> };
let browser: Browser;

async function startDemo(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(path.join(REPO, "node_modules/.bin/tsx"), [path.join(REPO, "tests/helpers/demoServer.ts"), "0", "150"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`demo server exited (${code}): ${out}`)));
  });
  return { child, url };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`npm run setup:test\` (apt-get install -y chromium)`);
  if (!existsSync(CHAT_UI_SOURCE)) throw new Error(`agent-chat-ui is not at ${CHAT_UI_SOURCE} (../shared/clients, see its SOURCE.md)`);
  mkdirSync(SHOTS, { recursive: true });
  const [dir, model] = await Promise.all([preparedChatUi(), startDemo()]);
  demo = model.child;
  dev = await startDevServer({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: "sk-demo" });
  ui = await startChatUi(dir, await freePort());
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await ui?.stop();
  await dev?.stop();
  demo?.kill("SIGTERM");
});

/** One chat on a new thread of `assistant`: each turn's snapshots, and the page for a last look. */
async function chat(assistant: string, name: string): Promise<{ turns: Snapshot[][]; page: Page }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1300 } });
  const snapshots: Snapshot[] = [];
  // A screenshot at the first moment of a turn that shows a view of it: what the person sees while the run goes.
  let during: { file: string; before: number } | undefined;
  let shot: Promise<unknown> = Promise.resolve();
  await recordChanges(page, (s) => {
    snapshots.push(s);
    if (during && viewsOf(s, during.before).length > 0) {
      shot = page.screenshot({ path: during.file, fullPage: true }).catch(() => undefined);
      during = undefined;
    }
  });
  await page.goto(`${ui.url}/?apiUrl=${encodeURIComponent(dev.url)}&assistantId=${encodeURIComponent(assistant)}`);
  await page.locator('textarea[placeholder="Type your message..."]').waitFor({ timeout: 60_000 });
  const turns: Snapshot[][] = [];
  for (const [i, text] of TURNS.entries()) {
    const from = snapshots.length;
    during = { file: path.join(SHOTS, `${name}-turn${i + 1}-during.png`), before: i * 6 };
    await say(page, text);
    await shot;
    // The last values event and the components' scripts settle after the run.
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(SHOTS, `${name}-turn${i + 1}.png`), fullPage: true });
    turns.push(snapshots.slice(from));
  }
  // The timeline, for a look when a check fails: when, how many views, the chat's last lines.
  writeFileSync(path.join(SHOTS, `${name}-timeline.json`), JSON.stringify(snapshots.map((s) => ({ at: s.at, views: s.views, chat: s.chat.slice(-300) })), null, 1));
  return { turns, page };
}

/** How many views of a turn show: each component's text, those of earlier turns left out. */
const viewsOf = (s: Snapshot, before: number) => s.views.slice(before).filter((v) => v.trim() !== "");

describe("agent-chat-ui against npm run dev", () => {
  it("erg: no JSON at any moment; the agents' views show before the reply; the reply and the views stay; two turns", async () => {
    const { turns, page } = await chat("erg", "erg");
    for (const [i, snaps] of turns.entries()) {
      expect(snaps.length).toBeGreaterThan(2);
      expect(snaps.filter((s) => JSON_BUBBLE.test(s.chat) || s.views.some((v) => JSON_BUBBLE.test(v)))).toEqual([]);
      const earlier = i * 6; // five agents and the decision per earlier turn
      // A moment with agents' views shown and no reply yet: the person chatting sees the emotions think.
      const replies = (s: Snapshot) => s.chat.split(ERG_REPLY).length - 1;
      expect(snaps.some((s) => viewsOf(s, earlier).length >= 1 && replies(s) === i)).toBe(true);
      const last = snaps[snaps.length - 1]!;
      expect(replies(last)).toBe(i + 1);
      const views = viewsOf(last, earlier);
      expect(views).toHaveLength(6);
      for (const agent of ["Anger", "Disgust", "Fear", "Joy", "Sadness"]) expect(views.some((v) => v.startsWith(`${agent} would say`))).toBe(true);
      expect(views.some((v) => v.startsWith("Aggregate agent chose Joy’s reply"))).toBe(true);
    }
    await page.close();
  }, 300_000);

  it("erc: the recognised emotion as an AI message, the agents' readings beside it; two turns", async () => {
    const { turns, page } = await chat("erc", "erc");
    for (const [i, snaps] of turns.entries()) {
      expect(snaps.filter((s) => JSON_BUBBLE.test(s.chat))).toEqual([]);
      const answers = (s: Snapshot) => s.chat.split("You seem to feel excited (confidence 0.85).").length - 1;
      expect(snaps.some((s) => viewsOf(s, i * 6).length >= 1 && answers(s) === i)).toBe(true);
      const last = snaps[snaps.length - 1]!;
      expect(answers(last)).toBe(i + 1);
      const views = viewsOf(last, i * 6);
      // The demo's personas (demoServer.ts VIEWS): Disgust reads proud, Fear anxious, the others excited.
      expect(views).toEqual(expect.arrayContaining([expect.stringMatching(/^Disgust reads proud \(0\.55\)/), expect.stringMatching(/^Fear reads anxious \(0\.40\)/)]));
      expect(views.some((v) => v.startsWith("Aggregate agent decided excited (0.85)"))).toBe(true);
    }
    await page.close();
  }, 300_000);

  it("erc with respond (an assistant made for it, named by its UUID): the reply grows token by token, the agents' views show, no JSON", async () => {
    const res = await fetch(`${dev.url}/assistants`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ graph_id: "erc", name: "erc-respond", context: { respond: true } }),
    });
    const { assistant_id: id } = (await res.json()) as { assistant_id: string };
    const { turns, page } = await chat(id, "erc-respond");
    for (const [i, snaps] of turns.entries()) {
      expect(snaps.filter((s) => JSON_BUBBLE.test(s.chat))).toEqual([]);
      // The reply's beginning shown before its end: it came in pieces, as the model wrote it.
      const partial = snaps.filter((s) => s.chat.split("Congratulations! That is").length - 1 === i + 1 && s.chat.split(RESPONDER).length - 1 === i);
      expect(partial.length).toBeGreaterThan(0);
      const last = snaps[snaps.length - 1]!;
      expect(last.chat.split(RESPONDER).length - 1).toBe(i + 1);
      // The components load under the assistant's UUID too (server/uiRoute.ts): the five readings and the decision.
      const views = viewsOf(last, i * 6);
      expect(views).toHaveLength(6);
      expect(views.some((v) => v.startsWith("Aggregate agent decided excited (0.85)"))).toBe(true);
    }
    await page.close();
  }, 300_000);
});
