import { badInput } from './errors';

/** The text of a positive integer id; {@link parseIntId} also refuses values beyond Number.MAX_SAFE_INTEGER. */
export const INT_ID_PATTERN = /^[1-9]\d{0,15}$/;

/** Parses a positive integer id ("12"); null for anything else ("12a", "-1", "1e3", "9007199254740993"). */
export function parseIntId(value: string | number): number | null {
  const text = String(value);
  if (!INT_ID_PATTERN.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/** Like {@link parseIntId}, for a client-given argument: a bad id is the client's error, not a miss. */
export function parseIntIdArg(value: string | number, name: string): number {
  const id = parseIntId(value);
  if (id === null)
    throw badInput(`${name} must be a positive integer`, [`${name}: "${String(value)}" is not a positive integer`]);
  return id;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);

/** Parses a uuid argument, lower-cased; a malformed one is BAD_USER_INPUT. */
export function parseUuidArg(value: string, name: string): string {
  if (!isUuid(value)) throw badInput(`${name} must be a UUID`, [`${name}: "${value}" is not a UUID`]);
  return value.toLowerCase();
}
