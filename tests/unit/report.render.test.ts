/**
 * report.md and report.html of one experiment: the paper's table layout, the paper's figures labelled as theirs,
 * escaping of user data, a self-contained page, atomic writes, and clear errors for malformed files.
 */
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { readExperiment, writeReports } from "../../evaluations/report/index.js";
import { heatColour, HEAT_STOPS } from "../../evaluations/report/svg.js";
import { ercMetrics, ercPrediction, fullErcExperiment, tmpDir, writeExperiment } from "../helpers/experiments.js";

let root: string;
beforeEach(async () => {
  root = await tmpDir();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const EVIL = `<script>alert("x")</script> & 'quotes' | pipe`;

/*
 * Three examples: e1 sad→sad ✓, e2 angry→joyful ✗ (negative read as positive: a cross-valence error), e3 proud→proud ✓.
 * Accuracy 2/3 = 66.67 %; cross-valence error rate 1/3 = 33.33 %; negative 1/2 = 50 %, positive 1/1 = 100 %.
 */
async function smallErc(): Promise<string> {
  const preds = [
    ercPrediction({ id: "e1", gold: "sad", pred: "sad", dialogue: [EVIL, "Oh no."] }, "insideout", { anger: "sad", sadness: "sad" }),
    ercPrediction({ id: "e2", gold: "angry", pred: "joyful" }, "insideout", { anger: "angry", sadness: "joyful" }),
    ercPrediction({ id: "e3", gold: "proud", pred: "proud" }, "insideout", { anger: "annoyed", sadness: "proud" }),
  ];
  const metrics = ercMetrics("insideout", 3, {
    accuracy: 200 / 3,
    macroF1: 50,
    accuracyCI95: [0, 100],
    perLabel: { sad: { support: 1, correct: 1, accuracy: 100 }, angry: { support: 1, correct: 0, accuracy: 0 }, proud: { support: 1, correct: 1, accuracy: 100 } },
    perValence: { negative: { support: 2, accuracy: 50 }, positive: { support: 1, accuracy: 100 }, ambiguous: { support: 0, accuracy: 0 } },
    crossValenceErrorRate: 100 / 3,
  });
  return writeExperiment(path.join(root, "erc"), metrics, preds);
}

describe("report.md", () => {
  it("is laid out like the paper's Table 1 with the paper's figures beside ours", async () => {
    const dir = await smallErc();
    await writeReports(dir);
    const md = await readFile(path.join(dir, "report.md"), "utf8");
    expect(md).toContain("| Model | Method | Labels | Accuracy | 95% CI | Macro-F1 | Improv. | n |");
    // A single non-baseline experiment has no baseline to subtract: Improv. is a dash, not a made-up number.
    // Macro-F1 now carries its bootstrap interval too.
    expect(md).toMatch(/\| openai:test-model \| insideout \| ed32 \| 66\.67 \| \[0\.00, 100\.00\] \| 50\.00 \[[\d.]+, [\d.]+\] \| – \| 3 \|/);
    // The paper's ERC table, labelled as the paper's: GPT-4 ed32 44.20 → 45.10 is +0.90.
    expect(md).toContain("The paper's published ERC accuracy");
    expect(md).toContain("| GPT-4 | ed32 | 44.20 | 45.10 | +0.90 |");
    expect(md).toContain("| GPT-3.5 | ed18 | 41.70 | 50.04 | +8.34 |");
    expect(md).toContain("| insideout · test-model · ed32 | 50.00 (n=2) | 100.00 (n=1) | – (n=0) | 33.33 |");
    // Agent agreement recomputed from opinions (metrics.json has none): anger agreed on e1 only (1/3), sadness on all.
    expect(md).toMatch(/\| anger \| 33\.3 \|/);
    expect(md).toMatch(/\| sadness \| 100\.0 \|/);
    // Cost per example (mean and median): 100 + 20 tokens, 1 call, 0.25 s; run totals in their own table.
    expect(md).toContain("| insideout · test-model · ed32 | 100 / 100 | 20 / 20 | 1.0 / 1.0 | 0.25 / 0.25 |");
    expect(md).toContain("| insideout · test-model · ed32 | 3 | 3 | 300 | 60 | 60.0 |");
  });

  it("writes atomically: only report.md and report.html appear beside the inputs", async () => {
    const dir = await smallErc();
    await writeReports(dir);
    expect((await readdir(dir)).sort()).toEqual(["metrics.json", "predictions.jsonl", "report.html", "report.md"]);
  });

  it("ERG: the metrics of Tables 3–4 and the judge scores, with the paper's Overall", async () => {
    const dir = await writeExperiment(
      path.join(root, "erg"),
      {
        task: "erg", method: "erc+insideout", model: "openai:m", judgeModel: "openai:judge", labels: "ed32", split: "ed:test",
        n: 2, scored: 2, errors: 0,
        erg: { bleu1: 15.5, bleu2: 6.25, bleu3: 3, bleu4: 1.75, rouge1: 16, rouge2: 2.5, rougeL: 14, distinct1: 45, distinct2: 80,
          judge: { fluency: 9, identification: 8, empathy: 8.5, suggestion: 7, overall: 8.25 } },
      },
      [],
    );
    await writeReports(dir);
    const md = await readFile(path.join(dir, "report.md"), "utf8");
    // Table 3 first, metrics as rows with the paper's names; without predictions there is no interval to show.
    expect(md.indexOf("Table 3: ERG automatic metrics")).toBeLessThan(md.indexOf("Table 4: LLM judge scores"));
    expect(md).toContain("| Metric | erc+insideout |");
    for (const row of ["| BLEU-1 | 15.50 |", "| BLEU-4 | 1.75 |", "| ROUGE-L | 14.00 |", "| Distinct-2 | 80.00 |", "| Examples | 2 |"]) expect(md).toContain(row);
    expect(md).not.toContain("bleu1");
    expect(md).toContain("Table 4: LLM judge scores (1–10) with 95% intervals — judge openai:judge");
    expect(md).toContain("| Overall | 8.25 |");
    expect(md).toContain("| Judge model | openai:judge |");
    expect(md).toContain("| GPT-4 | 8.14 | 8.19 | 8.46 | +0.32 |");
    const html = await readFile(path.join(dir, "report.html"), "utf8");
    const judgeSvg = html.slice(html.indexOf('<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart judge"'));
    expect(judgeSvg.slice(0, judgeSvg.indexOf("</svg>")).match(/<rect class="bar"[^>]*data-series="erc\+insideout · m"/g)).toHaveLength(5);
  });
});

describe("report.html", () => {
  it("escapes user data and loads nothing from elsewhere", async () => {
    const dir = await smallErc();
    await writeReports(dir);
    const html = await readFile(path.join(dir, "report.html"), "utf8");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39; | pipe");
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link|<img|@import|url\(http/i);
    // The only URL is the SVG namespace, which is a name, not a fetch.
    expect(html.match(/https?:\/\/[^"\s]+/g)?.every((u) => u === "http://www.w3.org/2000/svg")).toBe(true);
    const md = await readFile(path.join(dir, "report.md"), "utf8");
    expect(md).not.toContain(EVIL); // dialogues are not copied into the Markdown tables
  });

  it("shows each example's agent opinions (escaped) and, for multi-party dialogues, who said each turn", async () => {
    const pred = { ...(ercPrediction({ id: "m1", gold: "sad", pred: "sad", dialogue: ["I lost it.", "Lost what?"] }, "insideout", { anger: EVIL, sadness: "sad" }) as Record<string, unknown>) };
    pred.inputs = { dialogue: ["I lost it.", "Lost what?"], speakers: ["Ross", "<Rachel>"] };
    const dir = await writeExperiment(path.join(root, "multi"), ercMetrics("insideout", 1, { accuracy: 100, macroF1: 100, perLabel: {}, perValence: {} }), [pred]);
    await writeReports(dir);
    const html = await readFile(path.join(dir, "report.html"), "utf8");
    expect(html).toContain('<li class="speaker"><b>Ross:</b> I lost it.</li><li class="listener"><b>&lt;Rachel&gt;:</b> Lost what?</li>');
    expect(html).toContain("<caption>Agents' opinions</caption>");
    expect(html).toContain('<tr><th scope="row">sadness</th><td class="label">sad</td><td>0.80</td><td class="text">r</td></tr>');
    expect(html).toContain(`<td class="label">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39; | pipe</td>`);
    expect(html).toMatch(/<details class="example" open>/);
  });

  it("draws the 32×32 confusion matrix with one bar per emotion", async () => {
    const { metrics, predictions } = fullErcExperiment();
    const dir = await writeExperiment(path.join(root, "full"), metrics, predictions);
    await writeReports(dir);
    const html = await readFile(path.join(dir, "report.html"), "utf8");
    expect(html.match(/<rect class="cell"/g)).toHaveLength(32 * 32);
    // Row "afraid" is all "angry" (see the fixture): that cell is the darkest colour, the diagonal cell the lightest.
    expect(html).toMatch(/fill="#08306b"[^>]*data-gold="afraid" data-pred="angry" data-count="10"/);
    expect(html).toMatch(/fill="#f7fbff"[^>]*data-gold="afraid" data-pred="afraid" data-count="0"/);
    expect(html.match(/<rect class="bar"[^>]*data-series="insideout · test-model · ed32"[^>]*data-value/g)!.length).toBeGreaterThanOrEqual(32);
    expect(html).toMatch(/data-category="devastated" data-series="insideout · test-model · ed32" data-value="100"/);
  });
});

describe("colour scale", () => {
  it("maps 0 and 1 to the ends of ColorBrewer Blues and halfway to its middle stop", () => {
    expect(heatColour(0)).toBe("#f7fbff");
    expect(heatColour(1)).toBe("#08306b");
    expect(heatColour(0.5)).toBe(HEAT_STOPS[4]);
    expect(heatColour(Number.NaN)).toBe("#f7fbff");
  });
});

describe("parsing", () => {
  it("names the file and line of a malformed prediction", async () => {
    const dir = await smallErc();
    const file = path.join(dir, "predictions.jsonl");
    const lines = (await readFile(file, "utf8")).split("\n");
    lines[1] = JSON.stringify({ ...JSON.parse(lines[1]!), task: "translate" });
    await writeFile(file, lines.join("\n"));
    await expect(readExperiment(dir)).rejects.toThrow(/predictions\.jsonl:2: task: /);
  });

  it("rejects metrics.json that is not an experiment's", async () => {
    const dir = await writeExperiment(path.join(root, "bad"), { accuracy: 1 }, []);
    await expect(writeReports(dir)).rejects.toThrow(/metrics\.json does not look like an experiment's metrics/);
  });

  it("accepts a numeric id and an extra unparseable column in the confusion matrix", async () => {
    const dir = await writeExperiment(
      path.join(root, "extra"),
      ercMetrics("baseline", 1, { accuracy: 0, macroF1: 0, confusion: { labels: ["sad", "joyful"], matrix: [[0, 0, 1], [0, 0, 0]] } }),
      [ercPrediction({ id: "7", gold: "sad", pred: null }, "baseline")].map((p) => ({ ...p, id: 7 })),
    );
    const exp = await readExperiment(dir);
    expect(exp.predictions[0]!.id).toBe("7");
    await writeReports(dir);
    const html = await readFile(path.join(dir, "report.html"), "utf8");
    expect(html).toContain('data-gold="sad" data-pred="(no label)" data-count="1"');
  });
});
