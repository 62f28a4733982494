/**
 * A password inside a server URL (`http://user:pass@host/v1`) is a credential: masked like a key in every line we
 * print, and the URL itself refused with the right diagnosis (not "cannot reach the server").
 */
import { describe, expect, it } from "@jest/globals";
import { maskSecrets } from "../../core/secrets.js";
import { runCli } from "../helpers/cli.js";

const PASSWORD = "hunter2-very-private";

describe("credentials inside URLs", () => {
  it("are masked in any text, whatever the scheme, and the rest of the URL is kept", () => {
    expect(maskSecrets(`failed at http://alice:${PASSWORD}@10.0.0.5:8000/v1 (HTTP 500)`, [])).toBe("failed at http://[secret]@10.0.0.5:8000/v1 (HTTP 500)");
    expect(maskSecrets(`see https://token${PASSWORD}@example.org/x and wss://u:p@h/`, [])).toBe("see https://[secret]@example.org/x and wss://[secret]@h/");
    // An e-mail address is no URL.
    expect(maskSecrets("write to alice@example.org", [])).toBe("write to alice@example.org");
  });

  it("OPENAI_BASE_URL with a password: one line saying so, exit 1, no password printed", async () => {
    const r = await runCli(["recognize", "--model", "openai:m", "I lost my keys."], { OPENAI_BASE_URL: `http://alice:${PASSWORD}@127.0.0.1:9/v1`, OPENAI_API_KEY: "sk-test-url-0123456789" });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("OPENAI_BASE_URL holds a user name or password (http://[secret]@127.0.0.1:9/v1)");
  }, 30_000);
});
