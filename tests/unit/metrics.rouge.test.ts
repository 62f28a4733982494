/**
 * ROUGE-1/2/L. Google's rouge-score is not installable here (only npm and Debian packages are reachable), so the
 * references are (a) examples worked by hand below and (b) a stdlib-only Python transcription of rouge-score's
 * published scoring (`tokenize.tokenize`, `rouge_scorer._score_ngrams`, `_score_lcs`, `scoring.fmeasure`), run at
 * test time on random texts.
 */
import { describe, expect, it } from "@jest/globals";
import { corpusRouge, lcsLength, rougeL, rougeN } from "../../evaluations/metrics/rouge.js";
import { tokenizeRouge } from "../../evaluations/metrics/tokenize.js";
import { runPython } from "../helpers/nltk.js";

describe("rouge-score tokenisation", () => {
  it("lowercases and treats every non-[a-z0-9] character as a separator, without stemming", () => {
    expect(tokenizeRouge("The cat's hat, isn't it?  Running-dogs 42!")).toEqual(
      ["the", "cat", "s", "hat", "isn", "t", "it", "running", "dogs", "42"],
    );
    expect(tokenizeRouge("café Ünïcode")).toEqual(["caf", "n", "code"]);
    expect(tokenizeRouge("...")).toEqual([]);
  });
});

describe("ROUGE, worked by hand", () => {
  const t = (s: string): string[] => s.split(" ");

  it("scores ROUGE-N from clipped n-gram overlap", () => {
    // hyp "the cat sat on the mat", ref "the cat is on the mat": unigram overlap the×2 + cat + on + mat = 5 of 6 each
    // → P = R = F = 5/6. Bigrams: the cat, on the, the mat = 3 of 5 each → F = 3/5.
    expect(rougeN(t("the cat sat on the mat"), t("the cat is on the mat"), 1).f).toBeCloseTo(5 / 6, 12);
    expect(rougeN(t("the cat sat on the mat"), t("the cat is on the mat"), 2).f).toBeCloseTo(3 / 5, 12);
    // hyp "a b c d", ref "a c e": overlap {a, c} = 2 → P = 2/4, R = 2/3, F = 2·(1/2)(2/3)/(1/2 + 2/3) = 4/7
    const r1 = rougeN(t("a b c d"), t("a c e"), 1);
    expect(r1.precision).toBeCloseTo(0.5, 12);
    expect(r1.recall).toBeCloseTo(2 / 3, 12);
    expect(r1.f).toBeCloseTo(4 / 7, 12);
    // no shared bigram (ab, bc, cd vs ac, ce) → 0
    expect(rougeN(t("a b c d"), t("a c e"), 2).f).toBe(0);
  });

  it("scores ROUGE-L from the longest common subsequence", () => {
    // LCS("the cat sat on the mat", "the cat is on the mat") = "the cat on the mat" = 5 → P = R = F = 5/6
    expect(lcsLength(t("the cat sat on the mat"), t("the cat is on the mat"))).toBe(5);
    expect(rougeL(t("the cat sat on the mat"), t("the cat is on the mat")).f).toBeCloseTo(5 / 6, 12);
    // LCS("a b c d", "a c e") = "a c" = 2 → P = 2/4, R = 2/3 → F = 4/7
    expect(rougeL(t("a b c d"), t("a c e")).f).toBeCloseTo(4 / 7, 12);
    // LCS is order-sensitive: "d c b a" vs "a b c d" share single tokens only → 1 → P = R = 1/4
    expect(rougeL(t("d c b a"), t("a b c d")).f).toBeCloseTo(0.25, 12);
  });

  it("averages F over pairs, and scores empty texts 0 as rouge-score does", () => {
    // pair 1: R1 = 5/6, R2 = 3/5, RL = 5/6; pair 2: R1 = 4/7, R2 = 0, RL = 4/7
    // means: R1 = RL = (5/6 + 4/7)/2 = 59/84; R2 = (3/5 + 0)/2 = 3/10
    const s = corpusRouge(["The cat sat on the mat.", "a b c d"], ["the cat is on the mat", "A, c; e!"]);
    expect(s.rouge1).toBeCloseTo(59 / 84, 12);
    expect(s.rouge2).toBeCloseTo(0.3, 12);
    expect(s.rougeL).toBeCloseTo(59 / 84, 12);
    expect(corpusRouge(["", "a"], ["a", "..."])).toEqual({ rouge1: 0, rouge2: 0, rougeL: 0 });
    expect(rougeN(["a"], ["a"], 2)).toEqual({ precision: 0, recall: 0, f: 0 });
  });
});

const RS_REFERENCE = `
import collections, json, re, sys

def tokenize(text):
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return [t for t in re.split(r"\\s+", text) if re.match(r"^[a-z0-9]+$", t)]

def fmeasure(p, r):
    return 2 * p * r / (p + r) if p + r > 0 else 0.0

def ngrams(tokens, n):
    return collections.Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))

def rouge_n(target, prediction, n):
    t, p = ngrams(target, n), ngrams(prediction, n)
    inter = sum(min(c, p[g]) for g, c in t.items())
    return fmeasure(inter / max(sum(p.values()), 1), inter / max(sum(t.values()), 1))

def rouge_l(target, prediction):
    if not target or not prediction:
        return 0.0
    rows, cols = len(target), len(prediction)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            if target[i - 1] == prediction[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    lcs = table[-1][-1]
    return fmeasure(lcs / len(prediction), lcs / len(target))

out = []
for case in json.load(sys.stdin):
    sums = [0.0, 0.0, 0.0]
    for hyp, ref in zip(case["hyps"], case["refs"]):
        h, r = tokenize(hyp), tokenize(ref)
        sums[0] += rouge_n(r, h, 1); sums[1] += rouge_n(r, h, 2); sums[2] += rouge_l(r, h)
    out.append([s / len(case["hyps"]) for s in sums])
json.dump(out, sys.stdout)
`;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = ["The", "cat", "sat", "on", "the", "mat", "I'm", "so", "sorry", "!", "...", "co-worker", "42", "ÜBER", "naïve", "it's", "a", "b"];

describe("corpusRouge equals a transcription of rouge-score", () => {
  it("on 200 random corpora", () => {
    const rand = lcg(7);
    const text = (): string =>
      Array.from({ length: Math.floor(rand() * 14) }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(rand() < 0.8 ? " " : "");
    const cases = Array.from({ length: 200 }, () => {
      const n = 1 + Math.floor(rand() * 20);
      return { hyps: Array.from({ length: n }, text), refs: Array.from({ length: n }, text) };
    });
    const expected = runPython<number[][]>(RS_REFERENCE, cases);
    cases.forEach((c, i) => {
      const s = corpusRouge(c.hyps, c.refs);
      expect(s.rouge1).toBeCloseTo(expected[i]![0]!, 12);
      expect(s.rouge2).toBeCloseTo(expected[i]![1]!, 12);
      expect(s.rougeL).toBeCloseTo(expected[i]![2]!, 12);
    });
  });
});
