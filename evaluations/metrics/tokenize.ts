/**
 * Tokenisers for the text metrics.
 *
 * BLEU and Distinct compare token sequences, so published numbers are only comparable when our references are
 * tokenised the way the published systems' references were. The EmpatheticDialogues baselines (MoEL, MIME, EmpDG,
 * CEM, KEMP all share MoEL's preprocessing) lowercase, expand a fixed table of contractions ("i'm" → "i am"), and then
 * run NLTK's `word_tokenize` of that time (Punkt sentence split + Penn Treebank rules). `tokenizeRaw` reproduces that
 * pipeline, so a raw ED target tokenises to MoEL's `ref:` line (checked on the whole test split in the tests):
 *  - contractions in MoEL's table are expanded; others are split Treebank-style ("shouldn't" → "should n't",
 *    "she's" → "she 's"), and "cannot" → "can not" as the Treebank tokenizer does;
 *  - double quotes are dropped (the ED references carry none), curly quotes and apostrophes count as straight ones;
 *  - a period is split off only where a sentence ends (before whitespace, not after a known abbreviation), so
 *    "3.5", "e.g." and "oh.. well" stay whole, as Punkt + Treebank leave them;
 *  - "..." is a token; other punctuation marks (, ; : ! ? ( ) [ ] { } < > % $ & # @ --) are tokens.
 */

/** MoEL's contraction table, applied as plain substring replacements in this order (as its `clean()` does). */
const MOEL_CONTRACTIONS: ReadonlyArray<readonly [string, string]> = [
  ["it's", "it is"], ["don't", "do not"], ["doesn't", "does not"], ["didn't", "did not"], ["you'd", "you would"],
  ["you're", "you are"], ["you'll", "you will"], ["i'm", "i am"], ["they're", "they are"], ["that's", "that is"],
  ["what's", "what is"], ["couldn't", "could not"], ["i've", "i have"], ["we've", "we have"], ["can't", "cannot"],
  ["i'd", "i would"], ["aren't", "are not"], ["isn't", "is not"], ["wasn't", "was not"], ["weren't", "were not"],
  ["won't", "will not"], ["there's", "there is"], ["there're", "there are"],
];

/** Words after which a period does not end a sentence (Punkt's English model treats them as abbreviations). */
const ABBREVIATIONS = new Set([
  "mr", "mrs", "ms", "dr", "st", "vs", "jr", "sr", "prof", "etc", "ok", "e.g", "i.e", "a.m", "p.m", "u.s", "u.k",
  "approx", "apt", "ave", "dept", "est", "inc", "ltd", "co", "mt", "jan", "feb", "mar", "apr", "jun", "jul",
  "aug", "sep", "sept", "oct", "nov", "dec", "va",
]);

/** Python's `str.split()` whitespace, so `--tokenized` splits exactly as `line.split()` does for NLTK. */
// eslint-disable-next-line no-control-regex -- Python counts the \x1c-\x1f separators as whitespace; so must we.
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

export function tokenizeWhitespace(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((t) => t.length > 0);
}

function expandContractions(text: string): string {
  let out = text;
  for (const [from, to] of MOEL_CONTRACTIONS) out = out.split(from).join(to);
  return out;
}

/** Punkt splits only at whitespace after a sentence-final period; splitting there lets the final-period rule apply. */
function splitSentences(text: string): string[] {
  const words = text.split(/\s+/u).filter((w) => w.length > 0);
  const sentences: string[] = [];
  let current: string[] = [];
  for (const word of words) {
    current.push(word);
    const m = /^(.*[^.])\.$/u.exec(word);
    if (m && !ABBREVIATIONS.has(m[1] ?? "")) {
      sentences.push(current.join(" "));
      current = [];
    }
  }
  if (current.length > 0) sentences.push(current.join(" "));
  return sentences;
}

const W = "[\\p{L}\\p{N}_]";
/** Treebank's split of fused words ("cannot" → "can not", "gonna" → "gon na"), with Unicode-aware word boundaries. */
const FUSED = [["can", "not"], ["d", "'ye"], ["gim", "me"], ["gon", "na"], ["got", "ta"], ["lem", "me"], ["mor", "'n"]].map(
  ([a, b]) => new RegExp(`(?<!${W})(${a})(${b})(?!${W})`, "giu"),
);

/** Penn Treebank rules as NLTK's `word_tokenize` applied them, on one sentence. */
function treebank(sentence: string): string[] {
  let t = sentence;
  t = t.replace(/([:,])([^\d])/gu, " $1 $2");
  t = t.replace(/([:,])$/u, " $1 ");
  t = t.replace(/\.\.\./gu, " ... ");
  t = t.replace(/[;@#$%&]/gu, " $& ");
  t = t.replace(/([^.])(\.)([\])}>'»”’ ]*)\s*$/u, "$1 $2 $3 ");
  t = t.replace(/[?!]/gu, " $& ");
  t = t.replace(/([^'])' /gu, "$1 ' ");
  t = t.replace(/[\][(){}<>]/gu, " $& ");
  t = t.replace(/--/gu, " -- ");
  t = ` ${t} `;
  t = t.replace(/([^' ])('[sSmMdD]|') /gu, "$1 $2 ");
  t = t.replace(/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, "$1 $2 ");
  for (const re of FUSED) t = t.replace(re, " $1 $2 ");
  t = t.replace(/(?<![\p{L}\p{N}_])(wan)(na)\s/giu, " $1 $2 ");
  t = t.replace(/ ('t)(is|was)(?![\p{L}\p{N}_])/giu, " $1 $2");
  return t.split(/\s+/u).filter((w) => w.length > 0);
}

/** Raw text → tokens, as the ED baselines tokenised their references (see the module comment). */
export function tokenizeRaw(text: string): string[] {
  const normalised = expandContractions(
    text.toLowerCase().replace(/[‘’‛′]/gu, "'").replace(/[“”„‟″]/gu, '"'),
  ).replace(/"|``|''/gu, " ");
  return splitSentences(normalised).flatMap(treebank);
}

export interface TokenizeOptions {
  /** Text is already tokenised: split on whitespace only (no lowercasing), as `line.split()` would. */
  tokenized?: boolean;
}

export function tokenize(text: string, opts: TokenizeOptions = {}): string[] {
  return opts.tokenized ? tokenizeWhitespace(text) : tokenizeRaw(text);
}

/** Google `rouge-score` tokenisation without stemming: lowercase, anything but [a-z0-9] separates tokens. */
export function tokenizeRouge(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/u)
    .filter((t) => t.length > 0);
}
