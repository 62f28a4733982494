// The `insideout` command as a handful of files (dist/bundle/): loading LangChain's hundreds of modules one by one
// is most of a command's start-up in Node (each is resolved, read and compiled apart); bundled, `recognize` reaches
// its first request in about a third of the time. The library (dist/**) stays unbundled: apps share their own
// @langchain/core with it. Run after tsc (it bundles tsc's output).
import { chmodSync } from "node:fs";
import { build } from "esbuild";

await build({
  entryPoints: [{ in: "dist/cli/main.js", out: "insideout" }],
  outdir: "dist/bundle",
  bundle: true,
  // A command's action still loads only what it runs: dynamic imports become chunks.
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Native addons load from node_modules; so do the optional peer dependencies (models/optionalPackage.ts).
  external: ["better-sqlite3", "node-llama-cpp", "@langchain/anthropic", "langchain-gigachat"],
  // CommonJS dependencies inside an ES module bundle call require() for Node's built-ins.
  banner: { js: 'import { createRequire as insideoutCreateRequire } from "node:module"; const require = insideoutCreateRequire(import.meta.url);' },
  // Smaller to install and to parse; names are kept, so stack traces still name functions.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
});
chmodSync("dist/bundle/insideout.js", 0o755);
