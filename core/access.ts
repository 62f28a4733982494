/**
 * Which files a run may make this process read. In-process callers (the CLI, an eval, an app that hands in its own
 * ModelResolver) name label-set files and model files by path, as they can read them anyway. A run whose options came
 * from outside (a LangGraph server's, whose context is JSON from whoever reaches its port) may name files only BY NAME,
 * inside folders the server's operator allowed: INSIDEOUT_LABELS_DIR (label sets) and INSIDEOUT_MODELS_DIR (GGUF
 * models). Anything else is refused with one line that is the same whether or not a file exists there, before any
 * file outside those folders is touched.
 */
import { realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { setting } from "./settings.js";

export type FileAccess =
  | { kind: "any" }
  | {
      kind: "named";
      /** INSIDEOUT_LABELS_DIR: label sets by file name. */
      labelsDir?: string;
      /** INSIDEOUT_MODELS_DIR: local GGUF models by file name. */
      modelsDir?: string;
      /** INSIDEOUT_ALLOW_HF_MODELS=true: `local:hf:…` downloads allowed. */
      hfModels: boolean;
    };

/** In-process callers: any path they name. */
export const ANY_FILE: FileAccess = { kind: "any" };

/** What a LangGraph server's runs may read, from the server's environment. */
export function serverAccess(): FileAccess {
  const labelsDir = setting("INSIDEOUT_LABELS_DIR");
  const modelsDir = setting("INSIDEOUT_MODELS_DIR");
  // Unset settings are undefined (never ""), which the readers test for and JSON keys leave out.
  return { kind: "named", labelsDir, modelsDir, hfModels: setting("INSIDEOUT_ALLOW_HF_MODELS") };
}

/**
 * A run refused before it starts, the same way for every run: its options do not parse (`option`,
 * state/runOptions.ts), or it asked for a file it may not name (`access`; the message never depends on whether the
 * file exists).
 */
export class RunRefused extends Error {
  constructor(
    readonly kind: "option" | "access",
    message: string,
  ) {
    super(message);
    this.name = "RunRefused";
  }
}

/** The caller's own words, quoted on one line and cut short: refusals echo them, never anything read. */
export function quoted(given: string): string {
  return JSON.stringify(given.length > 80 ? `${given.slice(0, 80)}…` : given);
}

/** A plain file name: no folder part, no `..`, not hidden. */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

/**
 * The real path of the regular file `name` (with `ext` added when missing) inside `dir`, or undefined: when `name` is
 * not a plain name, `dir` is not set, there is no such file, or the file is a symlink that leads out of `dir`. Only
 * `dir` is looked at; nothing is read.
 */
export function fileByName(dir: string | undefined, name: string, ext: ".json" | ".gguf"): string | undefined {
  if (!dir || !PLAIN_NAME.test(name) || name.includes("..")) return undefined;
  const file = name.toLowerCase().endsWith(ext) ? name : `${name}${ext}`;
  try {
    const realDir = realpathSync(dir);
    const real = realpathSync(join(realDir, file));
    const rel = relative(realDir, real);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return undefined;
    // A FIFO or a device would block or never end: only regular files.
    return statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}
