/**
 * BLEU against NLTK's corpus_bleu (computed at test time by python3-nltk) on many random corpora, plus worked
 * examples whose expected values are derived by hand in the comments.
 */
import { describe, expect, it } from "@jest/globals";
import { corpusBleu } from "../../evaluations/metrics/bleu.js";
import { tokenizeWhitespace } from "../../evaluations/metrics/tokenize.js";
import { nltkCorpusBleu, runPython, type BleuCase } from "../helpers/nltk.js";

const split = (s: string): string[] => s.split(" ").filter((t) => t.length > 0);

describe("corpusBleu, worked by hand", () => {
  it("scores one sentence pair from the clipped n-gram precisions", () => {
    // hyp "the cat sat on the mat", ref "the cat is on the mat" (both 6 tokens, so BP = exp(0) = 1)
    // p1: the×2 (ref has 2), cat, on, mat match, sat does not → 5/6
    // p2: the cat, on the, the mat match; cat sat, sat on do not → 3/5
    // p3: on the mat matches of 4 trigrams → 1/4;  p4: none of 3 → 0
    // BLEU-1 = 5/6 = .833333; BLEU-2 = sqrt(5/6 · 3/5) = sqrt(1/2) = .707107; BLEU-3 = (1/8)^(1/3) = .5; BLEU-4 = 0
    const r = corpusBleu([[split("the cat is on the mat")]], [split("the cat sat on the mat")]);
    expect(r.bleu[0]).toBeCloseTo(5 / 6, 12);
    expect(r.bleu[1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r.bleu[2]).toBeCloseTo(0.5, 12);
    expect(r.bleu[3]).toBe(0);
    expect(r.brevityPenalty).toBe(1);
  });

  it("pools counts over the corpus, counts 1 in the denominator for too-short hypotheses, and applies the corpus BP", () => {
    // pair 1: hyp "a b c d" vs ref "a b c d e": all n-grams match: 4/4, 3/3, 2/2, 1/1; ref length 5
    // pair 2: hyp "x" vs ref "x y": 1/1 unigram; no bigram etc., but NLTK counts max(1, 0) = 1 in each denominator
    // corpus: p1 = 5/5, p2 = 3/4, p3 = 2/3, p4 = 1/2; c = 5, r = 7 → BP = exp(1 − 7/5) = exp(−0.4) = 0.670320046
    // BLEU-1 = .670320; BLEU-2 = BP·(3/4)^(1/2) = .580514; BLEU-3 = BP·(1/2)^(1/3) = .532035;
    // BLEU-4 = BP·(1/4)^(1/4) = .473988
    const r = corpusBleu([[split("a b c d e")], [split("x y")]], [split("a b c d"), split("x")]);
    expect(r.totals).toEqual([5, 4, 3, 2]);
    expect(r.matches).toEqual([5, 3, 2, 1]);
    expect(r.brevityPenalty).toBeCloseTo(Math.exp(-0.4), 12);
    expect(r.bleu[0]).toBeCloseTo(0.670320046, 8);
    expect(r.bleu[1]).toBeCloseTo(0.670320046 * Math.sqrt(0.75), 8);
    expect(r.bleu[2]).toBeCloseTo(0.670320046 * Math.cbrt(0.5), 8);
    expect(r.bleu[3]).toBeCloseTo(0.670320046 * Math.SQRT1_2, 8);
  });

  it("clips by the largest count in any single reference and breaks length ties towards the shorter reference", () => {
    // hyp "the the the the", refs "the cat" and "the the x": max count of "the" in one ref is 2 → p1 = 2/4.
    // closest ref length to 4: 3 (|4−3| = 1 < 2) → c = 4 > r = 3 → BP = 1 → BLEU-1 = 0.5
    const clip = corpusBleu([[split("the cat"), split("the the x")]], [split("the the the the")]);
    expect(clip.bleu[0]).toBeCloseTo(0.5, 12);
    // hyp "a b", refs "a" (length 1) and "a b c" (length 3): both at distance 1; NLTK takes the shorter, r = 1,
    // so c = 2 > r and BP = 1 → BLEU-1 = 2/2 = 1 (taking 3 would give exp(1 − 3/2) = .6065)
    const tie = corpusBleu([[split("a b c"), split("a")]], [split("a b")]);
    expect(tie.refLength).toBe(1);
    expect(tie.bleu[0]).toBeCloseTo(1, 12);
  });

  it("gives 0 for an empty hypothesis corpus and for no unigram match", () => {
    expect(corpusBleu([[split("a b")]], [[]]).bleu).toEqual([0, 0, 0, 0]);
    expect(corpusBleu([[split("a b")]], [split("c d")]).bleu).toEqual([0, 0, 0, 0]);
    expect(corpusBleu([], []).bleu).toEqual([0, 0, 0, 0]);
  });

  it("rejects misaligned input", () => {
    expect(() => corpusBleu([[split("a")]], [split("a"), split("b")])).toThrow(/2 hypotheses, 1 reference sets/);
  });
});

/** A small, independent PRNG for generating test corpora (not the code under test). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// Tokens that would break naive n-gram keys (spaces, separators, object-prototype names) or Unicode handling.
const VOCAB = ["a", "b", "c", "d", "e", "the", ".", ",", "'s", "n't", "a b", "b c", "", "__proto__", "constructor", "ü", "日本", "😀", "1,2"];

function randomCorpus(rand: () => number): BleuCase {
  const vocabSize = 2 + Math.floor(rand() * (VOCAB.length - 2));
  const sentence = (maxLen: number): string[] =>
    Array.from({ length: Math.floor(rand() * (maxLen + 1)) }, () => VOCAB[Math.floor(rand() * vocabSize)]!);
  const pairs = 1 + Math.floor(rand() * 40);
  const maxLen = 1 + Math.floor(rand() * 14);
  const refs: string[][][] = [];
  const hyps: string[][] = [];
  for (let i = 0; i < pairs; i++) {
    hyps.push(sentence(maxLen));
    const nRefs = 1 + Math.floor(rand() * 3);
    const rs: string[][] = [];
    for (let j = 0; j < nRefs; j++) {
      const r = sentence(maxLen);
      rs.push(r.length === 0 ? ["a"] : r);
    }
    refs.push(rs);
  }
  return { refs, hyps };
}

describe("corpusBleu equals NLTK corpus_bleu", () => {
  it("on 400 random corpora (short hypotheses, several references, ties, odd tokens)", () => {
    const rand = lcg(20240917);
    const cases = Array.from({ length: 400 }, () => randomCorpus(rand));
    const expected = nltkCorpusBleu(cases);
    let nonZero = 0;
    cases.forEach((c, i) => {
      const ours = corpusBleu(c.refs, c.hyps).bleu;
      ours.forEach((v, n) => {
        // Agreement with NLTK's corpus_bleu to 0.01 on the ×100 scale is the aim; the implementations agree to rounding error.
        expect(Math.abs(v * 100 - expected[i]![n]! * 100)).toBeLessThan(1e-9);
        if (v > 0) nonZero++;
      });
    });
    // The generator must exercise the non-degenerate path, not only zeros.
    expect(nonZero).toBeGreaterThan(600);
  });

  it("splits --tokenized text exactly as Python's str.split()", () => {
    const samples = ["a b", "  lead and trail  ", "tab\tsep", "nbsp\u00a0sep", "em\u2003space", "x\u001cy", "bom\ufeffkept", "line\u2028sep", "", "a\r\nb"];
    const py = runPython<string[][]>("import json,sys\njson.dump([s.split() for s in json.load(sys.stdin)], sys.stdout)", samples);
    expect(samples.map(tokenizeWhitespace)).toEqual(py);
  });
});
