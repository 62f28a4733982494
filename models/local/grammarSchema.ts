/**
 * JSON Schema (as zod's toJSONSchema writes it) → the JSON-schema dialect node-llama-cpp turns into a GBNF grammar.
 *
 * The grammar is what makes a small local model's structured answers valid by construction, so the conversion also
 * bounds what an unconstrained grammar would let a model loop on forever: strings get a maximum length and arrays a
 * maximum size, and a number with a small finite range (a confidence in [0, 1], a 1–10 score) becomes the list of
 * its values at a fixed step, because node-llama-cpp's number grammar has no minimum/maximum and a weak model would
 * otherwise write `7` or `1e12` for a confidence. Zod still validates the parsed answer afterwards.
 */
import type { GbnfJsonSchema } from "node-llama-cpp";
import { LocalModelError } from "./errors.js";

export interface GrammarLimits {
  /** Characters, for strings without their own (smaller) maxLength. */
  maxStringLength: number;
  /** Items, for arrays without their own (smaller) maxItems. */
  maxArrayItems: number;
  /** A bounded number is enumerated only when it has at most this many values at its step. */
  maxEnumeratedNumbers: number;
}

export const DEFAULT_GRAMMAR_LIMITS: GrammarLimits = {
  maxStringLength: 1200,
  maxArrayItems: 32,
  maxEnumeratedNumbers: 1001,
};

export type JsonSchema = { [key: string]: unknown };

function unsupported(message: string): LocalModelError {
  return new LocalModelError("schema", `cannot turn this JSON schema into a grammar: ${message}`);
}

function isObject(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Values of a bounded number at the coarsest-needed decimal step, or undefined when there would be too many. */
function enumerateRange(schema: JsonSchema, integer: boolean, limits: GrammarLimits): number[] | undefined {
  const lo = num(schema.minimum) ?? num(schema.exclusiveMinimum);
  const hi = num(schema.maximum) ?? num(schema.exclusiveMaximum);
  if (lo === undefined || hi === undefined || hi < lo) return undefined;
  const keep = (v: number): boolean =>
    (num(schema.exclusiveMinimum) === undefined || v > lo) && (num(schema.exclusiveMaximum) === undefined || v < hi);
  // Integers step by 1; other numbers by 0.01 (two decimals are plenty for a confidence), coarser if the range is wide.
  const steps = integer ? [1] : [0.01, 0.1, 1];
  for (const step of steps) {
    const first = Math.ceil(lo / step - 1e-9);
    const last = Math.floor(hi / step + 1e-9);
    if (last - first + 1 > limits.maxEnumeratedNumbers) continue;
    const decimals = Math.max(0, -Math.floor(Math.log10(step)));
    const values: number[] = [];
    for (let k = first; k <= last; k++) {
      const v = Number((k * step).toFixed(decimals));
      if (keep(v)) values.push(v);
    }
    return values.length > 0 ? values : undefined;
  }
  return undefined;
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema {
  const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const defs = m ? root[m[1] as string] : undefined;
  const target = m && isObject(defs) ? defs[decodeURIComponent(m[2] as string)] : undefined;
  if (!isObject(target)) throw unsupported(`unresolvable $ref ${ref}`);
  return target;
}

function convert(schema: unknown, root: JsonSchema, limits: GrammarLimits, depth: number): GbnfJsonSchema {
  if (depth > 32) throw unsupported("nesting deeper than 32 (a recursive $ref?)");
  if (schema === true || (isObject(schema) && Object.keys(schema).every((k) => k === "description" || k === "$schema"))) {
    return { type: ["string", "number", "boolean", "null"] };
  }
  if (!isObject(schema)) throw unsupported(`unexpected schema ${JSON.stringify(schema)}`);
  const next = (s: unknown): GbnfJsonSchema => convert(s, root, limits, depth + 1);

  if (typeof schema.$ref === "string") return next(resolveRef(schema.$ref, root));
  if ("const" in schema) return { const: schema.const as string | number | boolean | null };
  if (Array.isArray(schema.enum)) return { enum: schema.enum as (string | number | boolean | null)[] };
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives)) return { oneOf: alternatives.map(next) };
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) return next(schema.allOf[0]);
  if (Array.isArray(schema.type)) {
    return { oneOf: (schema.type as string[]).map((t) => next({ ...schema, type: t })) };
  }

  switch (schema.type) {
    case "string": {
      if (schema.format === "date-time" || schema.format === "date" || schema.format === "time") {
        return { type: "string", format: schema.format };
      }
      const own = num(schema.maxLength);
      const min = num(schema.minLength);
      return {
        type: "string",
        ...(min !== undefined ? { minLength: min } : {}),
        maxLength: Math.min(own ?? Infinity, limits.maxStringLength),
      };
    }
    case "number":
    case "integer": {
      const values = enumerateRange(schema, schema.type === "integer", limits);
      return values ? { enum: values } : { type: schema.type };
    }
    case "boolean":
    case "null":
      return { type: schema.type };
    case "array": {
      const own = num(schema.maxItems);
      const min = num(schema.minItems);
      return {
        type: "array",
        ...(schema.items !== undefined ? { items: next(schema.items) } : {}),
        ...(Array.isArray(schema.prefixItems) ? { prefixItems: schema.prefixItems.map(next) } : {}),
        ...(min !== undefined ? { minItems: min } : {}),
        maxItems: Math.min(own ?? Infinity, limits.maxArrayItems),
      };
    }
    case "object":
    case undefined: {
      const props = isObject(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : Object.keys(props));
      // node-llama-cpp makes every listed property mandatory, so optional ones are left out: the answer stays valid
      // and shorter.
      const properties: Record<string, GbnfJsonSchema> = {};
      for (const [key, value] of Object.entries(props)) if (required.has(key)) properties[key] = next(value);
      const additional = schema.additionalProperties;
      return {
        type: "object",
        properties,
        ...(isObject(additional) ? { additionalProperties: next(additional), maxProperties: limits.maxArrayItems } : {}),
      };
    }
    default:
      throw unsupported(`type ${JSON.stringify(schema.type)}`);
  }
}

export function toGrammarSchema(schema: JsonSchema, limits: GrammarLimits = DEFAULT_GRAMMAR_LIMITS): GbnfJsonSchema {
  return convert(schema, schema, limits, 0);
}
