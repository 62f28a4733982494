/** Option parsers shared by the commands, so a bad number is the same clear message everywhere. */
import { InvalidArgumentError, Option } from "commander";

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

/** --rpm, for the commands that run evals (models/pacing.ts). */
export function rpmOption(): Option {
  return new Option("--rpm <n>", "openai: requests per minute to stay under (default: the limit the server's x-ratelimit-* headers state)").argParser(positiveInt);
}

/** --tpm, for the commands that run evals (models/pacing.ts). */
export function tpmOption(): Option {
  return new Option("--tpm <n>", "openai: tokens per minute to stay under, counted as OpenAI does: request characters / 4 plus max_tokens (default: as the server states)").argParser(positiveInt);
}
