// The `insideout` command, without npm's self-install. `npx insideout` in a folder whose own package.json declares a
// bin of that name does not run node_modules/.bin/insideout: npm packs the folder (running `prepare`, the whole
// build), installs it with all its dependencies into its npx cache and runs that copy (libnpmexec). So the repository
// declares its command through `directories.bin` (bin/ holds it only while packing) and:
//   node scripts/link-bin.mjs           after each build: link node_modules/.bin/insideout, which npx then runs;
//   node scripts/link-bin.mjs pack      before packing (prepack): write bin/insideout for the tarball;
//   node scripts/link-bin.mjs unpack    after packing (postpack): remove it, so that npx here keeps the local link;
//                                       not after `npm publish`, which reads the package's bins once packing is done
//                                       (the next build removes it).
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";

const target = "dist/bundle/insideout.js";
const mode = process.argv[2];
if (mode === "pack") {
  mkdirSync("bin", { recursive: true });
  // A dynamic import runs the same whether Node reads this extensionless file as CommonJS or as an ES module.
  writeFileSync("bin/insideout", `#!/usr/bin/env node\nimport("../${target}");\n`, { mode: 0o755 });
} else if (mode === "unpack") {
  if (process.env.npm_command !== "publish") rmSync("bin", { recursive: true, force: true });
} else {
  rmSync("bin", { recursive: true, force: true });
  chmodSync(target, 0o755);
  mkdirSync("node_modules/.bin", { recursive: true });
  rmSync("node_modules/.bin/insideout", { force: true });
  symlinkSync(`../../${target}`, "node_modules/.bin/insideout");
}
