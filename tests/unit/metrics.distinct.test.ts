/**
 * Distinct-n: worked examples, and NLTK's `nltk.util.ngrams` pooled over the corpus (computed at test time) as the
 * reference on random corpora.
 */
import { describe, expect, it } from "@jest/globals";
import { distinctN } from "../../evaluations/metrics/distinct.js";
import { runPython } from "../helpers/nltk.js";

describe("distinctN, worked by hand", () => {
  it("divides distinct n-grams by all n-grams over the whole corpus", () => {
    // "i am ok", "i am sad": unigrams i, am, ok, i, am, sad → 4 distinct of 6 = 2/3;
    // bigrams "i am", "am ok", "i am", "am sad" → 3 distinct of 4 = 3/4
    const texts = [["i", "am", "ok"], ["i", "am", "sad"]];
    expect(distinctN(texts, 1)).toBeCloseTo(2 / 3, 12);
    expect(distinctN(texts, 2)).toBeCloseTo(3 / 4, 12);
  });

  it("skips texts shorter than n and gives 0 when there is no n-gram at all", () => {
    // bigrams only from "a b a b": ab, ba, ab → 2 distinct of 3; "x" has none
    expect(distinctN([["a", "b", "a", "b"], ["x"]], 2)).toBeCloseTo(2 / 3, 12);
    expect(distinctN([["x"], []], 2)).toBe(0);
    expect(distinctN([], 1)).toBe(0);
  });

  it("does not confuse a token containing a space with two tokens", () => {
    // bigrams ("a b", "c") and ("a", "b c") are different n-grams → 2 distinct of 2
    expect(distinctN([["a b", "c"], ["a", "b c"]], 2)).toBe(1);
  });
});

describe("distinctN equals NLTK n-grams pooled over the corpus", () => {
  it("on 200 random corpora", () => {
    let s = 99;
    const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const vocab = ["a", "b", "c", "d", "the", ".", "a b", "ü", "__proto__"];
    const cases = Array.from({ length: 200 }, () =>
      Array.from({ length: 1 + Math.floor(rand() * 15) }, () =>
        Array.from({ length: Math.floor(rand() * 8) }, () => vocab[Math.floor(rand() * vocab.length)]!),
      ),
    );
    const expected = runPython<number[][]>(
      `
import json, sys
from nltk.util import ngrams
out = []
for texts in json.load(sys.stdin):
    row = []
    for n in (1, 2):
        grams = [g for t in texts for g in ngrams(t, n)]
        row.append(len(set(grams)) / len(grams) if grams else 0.0)
    out.append(row)
json.dump(out, sys.stdout)
`,
      cases,
    );
    cases.forEach((texts, i) => {
      expect(distinctN(texts, 1)).toBeCloseTo(expected[i]![0]!, 12);
      expect(distinctN(texts, 2)).toBeCloseTo(expected[i]![1]!, 12);
    });
  });
});
