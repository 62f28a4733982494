#!/usr/bin/env node
/* global fetch, setTimeout */
// `npm run dev`: the LangGraph dev server (langgraphjs dev) on loopback, analytics off, no browser; Studio connects to
// it. Usage: npm run dev -- [--port N] [--host H] [--no-reload]   (PORT / HOST also work; defaults 2024, 127.0.0.1)
//
// The server runs in its own process group so that Ctrl-C / SIGTERM stop it and every worker it forked (tsx watch
// spawns the API process): nothing is left listening on the port. We exit with the server's exit code.
import { spawn } from "node:child_process";
import { chmodSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// PORT and HOST through the settings table; this runs before anything is built, so its source is loaded through tsx.
const { setting } = await tsImport("../core/settings.ts", import.meta.url);

function parseArgs(argv) {
  const out = { port: String(setting("PORT")), host: setting("HOST"), rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (flag === "--port" || flag === "-p" || flag === "--host") {
      const value = inline ?? argv[++i];
      if (!value) throw new Error(`${flag} needs a value`);
      if (flag === "--host") out.host = value;
      else out.port = value;
    } else out.rest.push(a);
  }
  if (!/^\d+$/.test(out.port)) throw new Error(`--port must be a number, got "${out.port}"`);
  return out;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  // A bad PORT is the settings table's one line; a bad flag, ours.
  process.stderr.write(`dev: ${e.message}\n`);
  process.exit(2);
}

/** Why we cannot listen on host:port (undefined when we can): checked before the server starts, which on a taken
 * port logs a stack trace and keeps running, and which we would otherwise mistake for the server already there. */
function cannotListen(host, port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", (e) => resolve(e));
    probe.listen({ host, port: Number(port), exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

const busy = await cannotListen(args.host, args.port);
if (busy) {
  const why =
    busy.code === "EADDRINUSE"
      ? `port ${args.port} on ${args.host} is taken (an earlier \`npm run dev\`?): stop what runs there, or use another port: npm run dev -- --port N`
      : busy.code === "EADDRNOTAVAIL"
        ? `${args.host} is not an address of this machine: use --host 127.0.0.1`
        : busy.code === "EACCES"
          ? `port ${args.port} needs privileges: use a port above 1023`
          : `${busy.code ?? busy.message}`;
  process.stderr.write(`dev: cannot listen on ${args.host}:${args.port}: ${why}.\n`);
  process.exit(1);
}

/**
 * The server keeps its threads (dialogues: personal data) in .langgraph_api/ under the project: owner-only. Its
 * processes inherit our umask, so what they create is 0600 (folders 0700); what an earlier run left is brought there.
 */
function ownerOnlyState() {
  process.umask(0o077);
  const dir = path.join(root, ".langgraph_api");
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return; // not made yet: the umask covers it
  }
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) return;
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isFile() && (uid === undefined || lstatSync(file).uid === uid)) chmodSync(file, 0o600);
  }
}
ownerOnlyState();

const bin = path.join(root, "node_modules/.bin/langgraphjs");
const child = spawn(bin, ["dev", "--port", args.port, "--host", args.host, "--no-browser", "--config", root, ...args.rest], {
  cwd: root,
  stdio: "inherit",
  detached: true, // own process group, killed as a whole below
  env: { ...process.env, LANGGRAPH_CLI_NO_ANALYTICS: "1" },
});

const baseUrl = `http://${args.host.includes(":") ? `[${args.host}]` : args.host}:${args.port}`;

// langgraph-api 1.5 registers one assistant per graph but ignores langgraph.json's `description`; set it on each
// graph's default assistant so Studio shows what every graph does.
async function publishDescriptions() {
  const config = JSON.parse(readFileSync(path.join(root, "langgraph.json"), "utf8"));
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) return;
    try {
      if ((await fetch(`${baseUrl}/ok`)).ok) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const res = await fetch(`${baseUrl}/assistants/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ limit: 100, metadata: { created_by: "system" } }),
  });
  for (const a of await res.json()) {
    const description = config.graphs?.[a.graph_id]?.description;
    if (!description || a.description === description) continue;
    await fetch(`${baseUrl}/assistants/${a.assistant_id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ description }),
    });
  }
}
publishDescriptions().catch((e) => process.stderr.write(`dev: could not publish graph descriptions: ${e.message}\n`));

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
  // A server that ignores the signal is killed after a grace period, so Ctrl-C always frees the port.
  setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5000).unref();
}
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(s, () => stop(s));

child.on("exit", (code, signal) => {
  // Workers may outlive the CLI process: make sure the group is gone before we leave.
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
  // The server's own exit code; killed by a signal, the shell convention 128 + signal number (130 for Ctrl-C).
  process.exit(code ?? 128 + (os.constants.signals[signal] ?? 1));
});
