import { afterEach, describe, expect, it } from "@jest/globals";
import { explain } from "../../cli/errors.js";
import { maskSecrets } from "../../core/secrets.js";

afterEach(() => {
  delete process.env.MY_SERVICE_TOKEN;
});

describe("secrets never printed", () => {
  it("masks any credential value from the environment, whatever its shape", () => {
    process.env.MY_SERVICE_TOKEN = "tok-ABCDEFGH12345";
    expect(maskSecrets("server said: bad token tok-ABCDEFGH12345!")).toBe("server said: bad token [secret]!");
  });

  it("masks OpenAI and LangSmith key shapes even when not in the environment", () => {
    expect(maskSecrets("Incorrect API key provided: sk-proj-abcdef123456")).toBe("Incorrect API key provided: sk…");
    expect(maskSecrets("key lsv2_pt_0123456789abcdef")).toBe("key lsv2…");
  });

  it("explain() gives one line with the key masked", () => {
    process.env.MY_SERVICE_TOKEN = "tok-ABCDEFGH12345";
    const line = explain(new Error("401 Unauthorized:\nIncorrect API key provided: sk-canary-9999999 (tok-ABCDEFGH12345)"));
    expect(line).not.toMatch(/\n/);
    expect(line).toMatch(/^The model server rejected the API key/);
    expect(line).not.toContain("sk-canary-9999999");
    expect(line).not.toContain("tok-ABCDEFGH12345");
  });
});
