/**
 * docs/settings.md from the table in core/settings.ts: `npx tsx scripts/settings-doc.ts` writes it; a unit test
 * (tests/unit/settings.test.ts) fails when the page and the table differ.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SETTINGS, type SettingEntry, type SettingGroup, type SettingName } from "../core/settings.js";

const GROUPS: [SettingGroup, string][] = [
  ["models", "Model requests"],
  ["providers", "Providers"],
  ["local", "Local models (`local:…`)"],
  ["files", "Files and input limits"],
  ["server", "A LangGraph server (`npm run dev`, Studio)"],
  ["langsmith", "LangSmith"],
];

function typeText(s: SettingEntry): string {
  switch (s.type) {
    case "whole":
      return s.max === undefined ? `whole number ≥ ${s.min ?? 0}` : `whole number from ${s.min ?? 0} to ${s.max}`;
    case "boolean":
      return "true / false (1/0, yes/no, on/off)";
    case "flag":
      return "`true` turns it on";
    case "choice":
      return `one of ${(s.choices ?? []).map((c) => `\`${c}\``).join(", ")}`;
    case "url":
      return "http(s) URL, without user, password, query or fragment";
    case "secret":
      return "secret: never printed; printable ASCII, no space inside";
    default:
      return s.type;
  }
}

function defaultText(s: SettingEntry): string {
  if (s.default !== undefined) return `\`${String(s.default)}\``;
  return s.defaultText ?? "unset";
}

/** The whole page. */
export function settingsPage(): string {
  const lines = [
    "# Settings",
    "",
    "Every environment variable InsideOut reads, and nothing else: the table in `core/settings.ts`, the only code that",
    "reads the environment. This page is generated from it (`npx tsx scripts/settings-doc.ts`); a unit test fails when",
    "they differ. Provider SDKs may also read their own variables (e.g. `OPENAI_ORGANIZATION`); those are theirs.",
    "",
    "A value that does not parse stops the command with one line naming the variable, e.g.",
    '`insideout: INSIDEOUT_TIMEOUT_MS="1m" must be a whole number ≥ 1.` An empty value counts as unset. Settings are',
    "read when they are used, so a server or a test that sets one later is heard. Secrets are never printed: their",
    "values are masked in every message, trace and stored file (`core/secrets.ts`).",
  ];
  for (const [group, title] of GROUPS) {
    lines.push("", `## ${title}`, "", "| Variable | Type | Default | What it does |", "| --- | --- | --- | --- |");
    for (const [name, entry] of Object.entries(SETTINGS) as [SettingName, SettingEntry][]) {
      if ((SETTINGS[name] as { group: SettingGroup }).group !== group) continue;
      const names = [`\`${name}\``, ...(entry.aliases ?? []).map((a) => `(also \`${a}\`)`)].join(" ");
      lines.push(`| ${names} | ${typeText(entry)} | ${defaultText(entry)} | ${entry.doc} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL("../docs/settings.md", import.meta.url), settingsPage());
}
