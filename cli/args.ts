/** Option parsers shared by the commands, so a bad number is the same clear message everywhere. */
import { InvalidArgumentError } from "commander";

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

export function positiveInt(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = integer(value);
  if (n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

/** `auto` or a thread count (0: none). */
export function workersArg(value: string): number | "auto" {
  return value === "auto" ? "auto" : nonNegativeInt(value);
}
