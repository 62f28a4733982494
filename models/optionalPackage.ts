/**
 * Optional peer dependencies (package.json `peerDependenciesMeta`: node-llama-cpp and the larger provider SDKs): an app
 * that does not use their models never installs them, and the provider that needs one imports it only when one of its
 * models is asked for.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../core/packageRoot.js";

/** `load()`, or, when it fails because `pkg` is not installed, one line naming the command that installs it. */
export async function importOptional<T>(pkg: string, forWhat: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissing(error, pkg)) throw error;
    throw new Error(`${forWhat} need ${pkg}, an optional dependency that is not installed: run \`npm install ${pkg}@${peerRange(pkg)}\`.`);
  }
}

/** Node's error for a package that is not in any node_modules folder above the importer. */
function isMissing(error: unknown, pkg: string): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === "ERR_MODULE_NOT_FOUND" && typeof e.message === "string" && e.message.includes(`'${pkg}'`);
}

/** The version range our package.json asks for (one place for it); `latest` if it cannot be read. */
function peerRange(pkg: string): string {
  const root = repoRoot();
  if (!root) return "latest";
  try {
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { peerDependencies?: Record<string, string> };
    return manifest.peerDependencies?.[pkg] ?? "latest";
  } catch {
    return "latest";
  }
}
