/**
 * Raw-text tokenisation. Expected tokens are written out by hand from the conventions the module documents
 * (MoEL's contraction table, then Penn Treebank rules as NLTK's word_tokenize applied them); the agreement with
 * MoEL's own tokenised references over the whole ED test split is checked in tests/integration/score.peer-outputs.
 */
import { describe, expect, it } from "@jest/globals";
import { tokenize, tokenizeRaw } from "../../evaluations/metrics/tokenize.js";

describe("tokenizeRaw", () => {
  it("lowercases, expands MoEL's contractions and splits the others Treebank-style", () => {
    // "i'm" → "i am", "didn't" → "did not", "can't" → "cannot" → "can not" (MoEL table, then Treebank);
    // "shouldn't" → "should n't" and "she's" → "she 's" (not in the table: Treebank clitic split)
    expect(tokenizeRaw("I'm sure she's fine, I didn't know. You shouldn't worry; I can't!").join(" ")).toBe(
      "i am sure she 's fine , i did not know . you should n't worry ; i can not !",
    );
  });

  it("splits sentence-final periods only, and keeps numbers, abbreviations and '..' whole", () => {
    expect(tokenizeRaw("It cost $3.50 at 5 p.m. with Mr. Smith. Oh.. well... ok").join(" ")).toBe(
      "it cost $ 3.50 at 5 p.m. with mr. smith . oh.. well ... ok",
    );
  });

  it("drops double quotes, treats curly apostrophes as straight ones and separates brackets and dashes", () => {
    expect(tokenizeRaw("She said “I’m done” (really) -- wow: 10,000 people").join(" ")).toBe(
      "she said i am done ( really ) -- wow : 10,000 people",
    );
  });

  it("leaves already tokenised ED text as it is", () => {
    const moel = "why did you feel guilty ? people really should n't drive drunk .";
    expect(tokenizeRaw(moel).join(" ")).toBe(moel);
  });

  it("splits on whitespace only, keeping case, in tokenized mode", () => {
    expect(tokenize("  Hello ,\tWorld  ", { tokenized: true })).toEqual(["Hello", ",", "World"]);
    expect(tokenize("Hello, World")).toEqual(["hello", ",", "world"]);
  });
});
