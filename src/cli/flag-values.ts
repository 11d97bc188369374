import { ClientError } from '../shared/errors.js';

/** The environment as the CLI reads it (process env merged with .env). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A boolean flag's value: the flag when given, else its environment variable (1/true/yes/on, 0/false/no/off,
 * any case; empty = unset), else false. Anything else is an error naming the variable.
 */
export function flagOrEnvBoolean(variable: string, flag: boolean | undefined, raw: string | undefined): boolean {
  if (flag !== undefined) return flag;
  if (raw === undefined || raw.trim() === '') return false;
  const value = parseBooleanWord(raw);
  if (value !== undefined) return value;
  throw new ClientError('CONFIG_INVALID', `${variable} must be one of 1/0, true/false, yes/no, on/off, got ${JSON.stringify(raw)}`);
}

/** The words accepted for a boolean environment variable (case-insensitive); undefined for anything else. */
export function parseBooleanWord(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return undefined;
}
