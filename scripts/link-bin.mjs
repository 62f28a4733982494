// `npx insideout` looks in node_modules/.bin, where npm links dependencies' bins but never the project's own:
// link ours there after each build so a fresh clone has the command.
import { chmodSync, mkdirSync, rmSync, symlinkSync } from "node:fs";

const target = "dist/cli/main.js";
chmodSync(target, 0o755);
mkdirSync("node_modules/.bin", { recursive: true });
rmSync("node_modules/.bin/insideout", { force: true });
symlinkSync(`../../${target}`, "node_modules/.bin/insideout");
