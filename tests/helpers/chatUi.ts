/**
 * agent-chat-ui (LangChain's chat client for LangGraph servers, an unmodified copy in ../shared/clients) driven by
 * headless Chromium: prepared once per lockfile in a temporary folder (copied, its dependencies installed with the
 * pnpm its README names), started against a LangGraph server, and a chat typed into it turn by turn, with every
 * change of what the page shows recorded while the run goes.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { REPO } from "./cli.js";

export const CHAT_UI_SOURCE = path.resolve(REPO, "../shared/clients/agent-chat-ui");
export const CHROMIUM = "/usr/bin/chromium";
/** The flags headless Chromium needs on a machine with a closed network. */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const run = promisify(execFile);

/**
 * A ready copy of agent-chat-ui, its dependencies installed, in a folder named after the source's lockfile and
 * package.json, so a second run on this machine reuses it. A half-made copy is removed first. (It is served by
 * `next dev`: `next build` fetches its font from Google, which a closed network refuses; dev falls back.)
 */
export async function preparedChatUi(log: (line: string) => void = () => {}): Promise<string> {
  const hash = createHash("sha256")
    .update(readFileSync(path.join(CHAT_UI_SOURCE, "pnpm-lock.yaml")))
    .update(readFileSync(path.join(CHAT_UI_SOURCE, "package.json")))
    .digest("hex")
    .slice(0, 12);
  const dir = path.join(os.tmpdir(), `insideout-agent-chat-ui-${hash}`);
  const ready = path.join(dir, ".insideout-ready");
  if (existsSync(ready)) return dir;
  rmSync(dir, { recursive: true, force: true });
  cpSync(CHAT_UI_SOURCE, dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}node_modules`) && !p.includes(`${path.sep}.next`) });
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CI: "1" };
  log("installing agent-chat-ui's dependencies");
  await run("npx", ["--yes", "pnpm@10.5.1", "install", "--frozen-lockfile"], { cwd: dir, env, maxBuffer: 64 << 20, timeout: 600_000 });
  writeFileSync(ready, new Date().toISOString());
  return dir;
}

/**
 * agent-chat-ui's dev server on 127.0.0.1:`port`, from preparedChatUi's copy; resolved once its page has compiled
 * and answers (minutes on a busy two-core machine: `timeoutMs`).
 */
export async function startChatUi(dir: string, port: number, timeoutMs = 420_000): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(path.join(dir, "node_modules/.bin/next"), ["dev", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: dir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  };
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`agent-chat-ui exited (${child.exitCode}): ${output.slice(-2000)}`);
    try {
      // The first request compiles the page and answers when it is done.
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(1000, timeoutMs - (Date.now() - started))) });
      if (res.ok) return { url, stop };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`agent-chat-ui did not answer on ${url} within ${timeoutMs / 1000} s: ${output.slice(-2000)}`);
}

/** What the page shows at one moment: the chat's text and the text of each generative-UI component. */
export interface Snapshot {
  at: number;
  chat: string;
  views: string[];
}

/**
 * Records every change of the chat: a MutationObserver on the page (and a 100 ms poll for the components, which
 * live in shadow roots the observer does not see) sends each new snapshot to `onChange`.
 */
export async function recordChanges(page: Page, onChange: (s: Snapshot) => void): Promise<void> {
  let last = "";
  await page.exposeFunction("__insideoutRecord", (json: string) => {
    if (json === last) return;
    last = json;
    onChange({ at: Date.now(), ...(JSON.parse(json) as Omit<Snapshot, "at">) });
  });
  // A string, not a function: the test's transpiler may add helpers to a function that the page does not have.
  await page.addInitScript(`(() => {
    const snap = () => {
      const chat = (document.querySelector("main") ?? document.body)?.innerText ?? "";
      const views = [...document.querySelectorAll('[id^="child-shadow-"]')].map((e) => e.shadowRoot?.textContent ?? "");
      window.__insideoutRecord?.(JSON.stringify({ chat, views }));
    };
    const start = () => {
      new MutationObserver(snap).observe(document.body, { subtree: true, childList: true, characterData: true });
      setInterval(snap, 100);
    };
    if (document.body) start();
    else document.addEventListener("DOMContentLoaded", start);
  })();`);
}

/** Types a message into the chat and sends it, then waits until the run is over (the send button is back). */
export async function say(page: Page, text: string, timeoutMs = 120_000): Promise<void> {
  const box = page.locator('textarea[placeholder="Type your message..."]');
  await box.fill(text);
  await box.press("Enter");
  // While a run goes the form offers "Cancel" instead of "Send".
  await page.getByRole("button", { name: "Cancel" }).waitFor({ state: "visible", timeout: 30_000 }).catch(() => undefined);
  await page.getByRole("button", { name: "Send" }).waitFor({ state: "visible", timeout: timeoutMs });
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  // Playwright gives the browser a new empty profile of its own.
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
