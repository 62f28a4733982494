/**
 * Pacing by rate limits (models/pacing.ts): OpenAI's header and 429-body formats read from hand-written examples of
 * them, the request estimate worked out by hand, and the shared buckets' waits (real timers, generous bounds).
 */
import { describe, expect, it } from "@jest/globals";
import { estimateRequest, Pacer, PacingWaitTooLong, pacingStatus, parseDuration, rateHeaders, waitFromBody, waitFromReset } from "../../models/pacing.js";

describe("OpenAI's durations", () => {
  it.each([
    ["1s", 1000],
    ["6m0s", 360_000],
    ["20ms", 20],
    ["1m2.5s", 62_500],
    ["0s", 0],
    ["59.999s", 59_999],
    ["1h2m3s", 3_723_000],
    ["0.7", 700],
    ["17.28s", 17_280],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each(["", "soon", "1 s", "-1s", "1d"])("%j is not one", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("the wait a 429's body asks for", () => {
  const openai = (tail: string) =>
    JSON.stringify({
      error: {
        message: `Rate limit reached for gpt-4o-mini in organization org-AbCdEf on tokens per min (TPM): Limit 200000, Used 199614, Requested 1036. ${tail} Visit https://platform.openai.com/account/rate-limits to learn more.`,
        type: "tokens",
        param: null,
        code: "rate_limit_exceeded",
      },
    });

  it("reads OpenAI's 'Please try again in …' in its three shapes", () => {
    expect(waitFromBody(openai("Please try again in 195ms."))).toBe(195);
    expect(waitFromBody(openai("Please try again in 0.7s."))).toBeCloseTo(700, 6);
    expect(waitFromBody(openai("Please try again in 1m2.5s."))).toBeCloseTo(62_500, 6);
  });

  it("reads Azure OpenAI's 'Please retry after N seconds'", () => {
    const azure = JSON.stringify({
      error: {
        code: "429",
        message:
          "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-02-01 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 20 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.",
      },
    });
    expect(waitFromBody(azure)).toBe(20_000);
  });

  it("finds none where none is named", () => {
    expect(waitFromBody(JSON.stringify({ error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota" } }))).toBeUndefined();
    expect(waitFromBody(undefined)).toBeUndefined();
  });
});

describe("x-ratelimit-* headers", () => {
  // The example of OpenAI's rate-limits guide.
  const guide = new Headers({
    "x-ratelimit-limit-requests": "60",
    "x-ratelimit-limit-tokens": "150000",
    "x-ratelimit-remaining-requests": "59",
    "x-ratelimit-remaining-tokens": "149984",
    "x-ratelimit-reset-requests": "1s",
    "x-ratelimit-reset-tokens": "6m0s",
  });

  it("are read as numbers and milliseconds", () => {
    expect(rateHeaders(guide)).toEqual({
      limitRequests: 60,
      limitTokens: 150_000,
      remainingRequests: 59,
      remainingTokens: 149_984,
      resetRequestsMs: 1000,
      resetTokensMs: 360_000,
    });
    expect(rateHeaders(new Headers({ "x-ratelimit-limit-tokens": "lots", "x-ratelimit-reset-tokens": "later" }))).toEqual({});
  });

  it("give a 429 without a stated wait the reset of the exhausted limit", () => {
    expect(waitFromReset(rateHeaders(guide))).toBeUndefined();
    expect(waitFromReset({ remainingRequests: 3, remainingTokens: 0, resetRequestsMs: 20, resetTokensMs: 1500 })).toBe(1500);
    expect(waitFromReset({ remainingRequests: 0, remainingTokens: 0, resetRequestsMs: 2000, resetTokensMs: 1500 })).toBe(2000);
  });
});

describe("a request's estimated tokens", () => {
  const url = "https://api.openai.com/v1/chat/completions";

  it("is the characters of its messages and response format / 4, plus max_tokens × n", () => {
    const body = JSON.stringify({
      model: "gpt-4o-mini",
      // 13 + 12 characters of text, and `{"type":"json_object"}`, 22 characters: 47 / 4 → 12 tokens.
      messages: [
        { role: "system", content: "You are kind." },
        { role: "user", content: "Hello there!" },
      ],
      response_format: { type: "json_object" },
      max_tokens: 50,
      n: 2,
    });
    expect(estimateRequest(url, body)).toEqual({ key: "https://api.openai.com gpt-4o-mini", tokens: 12 + 100 });
    // max_completion_tokens, as the newer models are asked; text in content parts.
    const parts = JSON.stringify({ model: "o3", messages: [{ role: "user", content: [{ type: "text", text: "12345678" }] }], max_completion_tokens: 7 });
    expect(estimateRequest(url, parts)).toEqual({ key: "https://api.openai.com o3", tokens: 2 + 7 });
  });

  it("is per server and model, and none for what is not a completion", () => {
    const body = JSON.stringify({ model: "m", messages: [] });
    expect(estimateRequest("http://127.0.0.1:8080/v1/chat/completions", body)?.key).toBe("http://127.0.0.1:8080 m");
    expect(estimateRequest("https://api.openai.com/v1/files", body)).toBeUndefined();
    expect(estimateRequest("https://api.openai.com/v1/batches", body)).toBeUndefined();
    expect(estimateRequest(url, undefined)).toBeUndefined();
    expect(estimateRequest(url, "not json")).toBeUndefined();
  });
});

const cost = { key: "http://127.0.0.1:1 m", tokens: 10 };

async function timed(p: Promise<unknown>): Promise<number> {
  const t = performance.now();
  await p;
  return performance.now() - t;
}

describe("the shared buckets", () => {
  it("let a full bucket's worth through at once, then one request per 1/rate", async () => {
    const pacer = new Pacer();
    pacer.setLimits({ rpm: 600 });
    const first = await pacer.admit(cost);
    // A margin of one request stays in the bucket.
    const burst = await timed(Promise.all(Array.from({ length: 598 }, () => pacer.admit(cost))));
    expect(burst).toBeLessThan(1000);
    pacer.observe(first!, {});
    // 10 a second: the next two wait about 0.1 and 0.2 s.
    const a = pacer.admit(cost);
    const b = pacer.admit(cost);
    expect(pacingStatus(pacer)).toBe("waiting on the rate limit (2 requests; --rpm 600)");
    expect(await timed(a)).toBeGreaterThanOrEqual(60);
    expect(await timed(b)).toBeGreaterThanOrEqual(60);
    expect(pacingStatus(pacer)).toBeUndefined();
  });

  it("learn the limit and the level from an answer's headers, and hold for a 429's wait", async () => {
    const pacer = new Pacer();
    const t = await pacer.admit(cost);
    // Unknown limits: nothing waits. Then the server says 600 a minute, none left.
    pacer.observe(t!, { limitRequests: 600, remainingRequests: 0 });
    const started = performance.now();
    const next = await pacer.admit(cost);
    // At 10 a second, two requests' worth (this one and the margin): ~200 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(performance.now() - started).toBeLessThan(3000);
    pacer.observe(next!, { limitTokens: 1_000_000 }, 400);
    expect(await timed(pacer.admit(cost))).toBeGreaterThanOrEqual(350);
  });

  it("count a request let through earlier but not yet answered as missing from a later answer's remaining figure", async () => {
    const pacer = new Pacer();
    pacer.setLimits({ rpm: 600 });
    const a = await pacer.admit(cost);
    const b = await pacer.admit(cost);
    // B reached the server first, which had 1 request left then; A (let through before B) is still on its way.
    pacer.observe(b!, { remainingRequests: 1 });
    // Hand-worked at 10 a second: the level is 1 - 0 sent after B - 1 (A) = 0; the next request takes it to -1 and
    // waits until it is back to 1, ~200 ms (without counting A: level 1, ~100 ms).
    expect(await timed(pacer.admit(cost))).toBeGreaterThanOrEqual(170);
    pacer.observe(a!, {});
  });

  it("give a waiting request's cost back when it is aborted", async () => {
    const pacer = new Pacer();
    pacer.setLimits({ rpm: 60 });
    const first = await pacer.admit(cost);
    await Promise.all(Array.from({ length: 58 }, () => pacer.admit(cost)));
    pacer.observe(first!, {});
    const controller = new AbortController();
    const waiting = pacer.admit(cost, controller.signal);
    controller.abort(new Error("stopped"));
    await expect(waiting).rejects.toThrow("stopped");
    // Had it kept its place, the next would wait two requests' worth (2 s) instead of one.
    expect(await timed(pacer.admit(cost))).toBeLessThan(1900);
  });
});

describe("limits too low to wait for", () => {
  // A request may wait at most a minute (INSIDEOUT_MAX_WAIT_MS's default): one request a minute is one request's
  // share of a 1-per-minute limit, and 1,200 tokens are 2 minutes' worth of a 600-per-minute one.
  const MAX = 60_000;
  const big = { key: "http://s m", tokens: 1200 };

  it("a server saying one request a minute is named at once, with what to do, not waited out", async () => {
    const pacer = new Pacer();
    const t = await pacer.admit(cost, undefined, Date.now, MAX);
    pacer.observe(t, rateHeaders(new Headers({ "x-ratelimit-limit-requests": "1", "x-ratelimit-remaining-requests": "0" })));
    const refused = pacer.admit(cost, undefined, Date.now, MAX);
    await expect(refused).rejects.toBeInstanceOf(PacingWaitTooLong);
    await expect(refused).rejects.toThrow(
      "sends x-ratelimit-limit-requests: 1: one request every 60 s, longer than a request may wait (INSIDEOUT_MAX_WAIT_MS, 60 s): if the account allows more, give its limit with --rpm; to wait anyway, raise INSIDEOUT_MAX_WAIT_MS",
    );
    expect(pacingStatus(pacer)).toBeUndefined();
  });

  it("a fraction of a request a minute, and a tokens limit below one request's tokens, too", async () => {
    const pacer = new Pacer();
    const t = await pacer.admit(big, undefined, Date.now, MAX);
    pacer.observe(t, rateHeaders(new Headers({ "x-ratelimit-limit-tokens": "600" })));
    await expect(pacer.admit(big, undefined, Date.now, MAX)).rejects.toThrow("sends x-ratelimit-limit-tokens: 600: a request of ~1200 tokens takes 2.0 min of it, longer than a request may wait");
    const other = new Pacer();
    const u = await other.admit(cost, undefined, Date.now, MAX);
    other.observe(u, rateHeaders(new Headers({ "x-ratelimit-limit-requests": "0.5" })));
    await expect(other.admit(cost, undefined, Date.now, MAX)).rejects.toThrow("one request every 2.0 min");
  });

  it("--rpm given: the server's absurd figure (and its remaining count) is not trusted, the flag's limit paces", async () => {
    const pacer = new Pacer();
    pacer.setLimits({ rpm: 600 });
    const t = await pacer.admit(cost, undefined, Date.now, MAX);
    pacer.observe(t, rateHeaders(new Headers({ "x-ratelimit-limit-requests": "1", "x-ratelimit-remaining-requests": "0" })));
    // At 600 a minute with a full bucket less one: the next goes at once (had the 1/min been believed: refused).
    expect(await timed(pacer.admit(cost, undefined, Date.now, MAX))).toBeLessThan(50);
  });

  it("--rpm 1 is named as the flag's, with the flag to raise", async () => {
    const pacer = new Pacer();
    pacer.setLimits({ rpm: 1 });
    await expect(pacer.admit(cost, undefined, Date.now, MAX)).rejects.toThrow("is paced by --rpm 1: one request every 60 s, longer than a request may wait (INSIDEOUT_MAX_WAIT_MS, 60 s): raise --rpm, or INSIDEOUT_MAX_WAIT_MS to wait that long");
  });

  it("a low but usable limit waits as before (2 a minute: 30 s each, under the minute)", async () => {
    const pacer = new Pacer();
    const t = await pacer.admit(cost, undefined, Date.now, MAX);
    pacer.observe(t, rateHeaders(new Headers({ "x-ratelimit-limit-requests": "2" })));
    // A bucket of 2 less the margin: one goes at once, the next waits its 30 s.
    await pacer.admit(cost, undefined, Date.now, MAX);
    const controller = new AbortController();
    const waiting = pacer.admit(cost, controller.signal, Date.now, MAX);
    expect(pacingStatus(pacer)).toBe("waiting on the rate limit (1 request; x-ratelimit-limit-requests: 2)");
    controller.abort(new Error("stopped"));
    await expect(waiting).rejects.toThrow("stopped");
  });

  it("nonsense figures are not read: negative, not numbers, infinite; a remaining count above the limit is the limit", async () => {
    expect(rateHeaders(new Headers({ "x-ratelimit-limit-requests": "-5", "x-ratelimit-limit-tokens": "Infinity", "x-ratelimit-remaining-requests": "NaN", "x-ratelimit-reset-requests": "3d" }))).toEqual({});
    const pacer = new Pacer();
    const t = await pacer.admit(cost, undefined, Date.now, MAX);
    pacer.observe(t, rateHeaders(new Headers({ "x-ratelimit-limit-requests": "600", "x-ratelimit-remaining-requests": "1000000" })));
    // The bucket holds 600 at most: 599 go at once (one stays, the margin), the 600th waits ~100 ms, not nothing.
    await Promise.all(Array.from({ length: 599 }, () => pacer.admit(cost, undefined, Date.now, MAX)));
    expect(await timed(pacer.admit(cost, undefined, Date.now, MAX))).toBeGreaterThanOrEqual(60);
  });
});
