// Builds (or verifies) node-llama-cpp's CPU binding ahead of the tests, so no test waits minutes for a first build.
import { getLlama } from "node-llama-cpp";

const started = Date.now();
const llama = await getLlama({ gpu: false, build: "auto", progressLogs: false });
process.stdout.write(`node-llama-cpp ready (${llama.buildType}, ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
await llama.dispose();
