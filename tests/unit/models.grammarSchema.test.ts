/** JSON Schema (from zod) → node-llama-cpp grammar schema: what is kept, what is bounded, what is enumerated. */
import { describe, expect, test } from "@jest/globals";
import { z } from "zod";
import { LocalModelError } from "../../models/local/errors.js";
import { toGrammarSchema, type JsonSchema } from "../../models/local/grammarSchema.js";

const limits = { maxStringLength: 50, maxArrayItems: 4, maxEnumeratedNumbers: 1001 };
const grammarOf = (schema: z.ZodType): unknown => toGrammarSchema(z.toJSONSchema(schema) as JsonSchema, limits);

describe("toGrammarSchema", () => {
  test("an agent opinion: labels stay an enum, the confidence becomes its 101 two-decimal values, the rationale is capped", () => {
    const g = grammarOf(z.object({ emotion: z.enum(["sad", "joyful"]), confidence: z.number().min(0).max(1), rationale: z.string() })) as {
      type: string;
      properties: Record<string, { enum?: number[]; type?: string; maxLength?: number }>;
    };
    expect(g.type).toBe("object");
    expect(Object.keys(g.properties)).toEqual(["emotion", "confidence", "rationale"]);
    expect(g.properties.emotion).toEqual({ enum: ["sad", "joyful"] });
    const values = g.properties.confidence?.enum ?? [];
    expect(values.length).toBe(101);
    expect(values[0]).toBe(0);
    expect(values[37]).toBe(0.37);
    expect(values.at(-1)).toBe(1);
    expect(g.properties.rationale).toEqual({ type: "string", maxLength: 50 });
  });

  test("a 1–10 integer score is the ten integers", () => {
    expect(grammarOf(z.number().int().min(1).max(10))).toEqual({ enum: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
  });

  test("exclusive bounds are excluded", () => {
    const g = grammarOf(z.number().gt(0).lt(1)) as { enum: number[] };
    expect(g.enum[0]).toBe(0.01);
    expect(g.enum.at(-1)).toBe(0.99);
    expect(g.enum.length).toBe(99);
  });

  test("a number without bounds, or with too many values, stays a plain number", () => {
    expect(grammarOf(z.number())).toEqual({ type: "number" });
    expect(grammarOf(z.number().min(0).max(1e6))).toEqual({ type: "number" });
    // A wider fractional range falls back to a coarser step before giving up: 0..50 at 0.1 is 501 values.
    expect((grammarOf(z.number().min(0).max(50)) as { enum: number[] }).enum.length).toBe(501);
  });

  test("a shorter maxLength of the schema's own is kept, a longer one is capped", () => {
    expect(grammarOf(z.string().min(2).max(10))).toEqual({ type: "string", minLength: 2, maxLength: 10 });
    expect(grammarOf(z.string().max(500))).toEqual({ type: "string", maxLength: 50 });
  });

  test("optional properties are left out (node-llama-cpp would make them mandatory)", () => {
    const g = grammarOf(z.object({ a: z.string(), b: z.string().optional() })) as { properties: Record<string, unknown> };
    expect(Object.keys(g.properties)).toEqual(["a"]);
  });

  test("nullable, literals, unions, arrays and records", () => {
    expect(grammarOf(z.string().nullable())).toEqual({ oneOf: [{ type: "string", maxLength: 50 }, { type: "null" }] });
    expect(grammarOf(z.literal("x"))).toEqual({ const: "x" });
    expect(grammarOf(z.array(z.boolean()).max(9))).toEqual({ type: "array", items: { type: "boolean" }, maxItems: 4 });
    expect(grammarOf(z.record(z.string(), z.boolean()))).toEqual({
      type: "object",
      properties: {},
      additionalProperties: { type: "boolean" },
      maxProperties: 4,
    });
  });

  test("$ref into $defs is inlined; an unresolvable one is an error", () => {
    const schema: JsonSchema = {
      $defs: { label: { type: "string", enum: ["a", "b"] } },
      type: "object",
      properties: { x: { $ref: "#/$defs/label" } },
      required: ["x"],
    };
    expect(toGrammarSchema(schema, limits)).toEqual({ type: "object", properties: { x: { enum: ["a", "b"] } } });
    const missing = () => toGrammarSchema({ $ref: "#/$defs/missing" }, limits);
    expect(missing).toThrow(LocalModelError);
    expect(missing).toThrow(/^cannot turn this JSON schema into a grammar: unresolvable \$ref/);
  });
});
