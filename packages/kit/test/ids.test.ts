import { DomainError } from '../src/errors';
import { isUuid, parseIntId, parseIntIdArg, parseUuidArg } from '../src/ids';

describe('parseIntId', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('accepts %j', (text, expected) => {
    expect(parseIntId(text)).toBe(expected);
  });

  it.each([
    '01',
    '0',
    '-1',
    '1.5',
    '1e3',
    '9007199254740992',
    '9007199254740993',
    '12345678901234567',
    ' 1',
    '1 ',
    '+1',
    '0x1',
    '12a',
    '١',
    '',
  ])('rejects %j', (text) => {
    expect(parseIntId(text)).toBeNull();
  });

  it('takes numbers as well as strings', () => {
    expect(parseIntId(7)).toBe(7);
    expect(parseIntId(0)).toBeNull();
    expect(parseIntId(-3)).toBeNull();
    expect(parseIntId(1.5)).toBeNull();
    expect(parseIntId(1e21)).toBeNull();
    expect(parseIntId(Number.NaN)).toBeNull();
    expect(parseIntId(2 ** 53)).toBeNull();
  });
});

describe('parseIntIdArg', () => {
  it('returns the id of a good argument', () => {
    expect(parseIntIdArg('12', 'locationId')).toBe(12);
  });

  it.each(['0', '-1', '1.5', '1e3', '9007199254740993', ' 1', 'abc'])('answers %j with BAD_USER_INPUT', (text) => {
    let error: unknown;
    try {
      parseIntIdArg(text, 'locationId');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'locationId must be a positive integer',
      details: [`locationId: "${text}" is not a positive integer`],
    });
  });
});

describe('isUuid', () => {
  it('accepts RFC 4122 UUIDs in either case', () => {
    expect(isUuid('0f8e2a52-4c3b-4b8e-9d1a-3c5e7f9a1b2c')).toBe(true);
    expect(isUuid('0F8E2A52-4C3B-4B8E-9D1A-3C5E7F9A1B2C')).toBe(true);
    expect(isUuid('0f8e2a52-4c3b-7b8e-ad1a-3c5e7f9a1b2c')).toBe(true); // version 7
  });

  it.each([
    '',
    '1',
    'not-a-uuid',
    '0f8e2a52-4c3b-4b8e-9d1a-3c5e7f9a1b2', // one digit short
    '0f8e2a52-4c3b-4b8e-9d1a-3c5e7f9a1b2c0', // one digit long
    '0f8e2a524c3b4b8e9d1a3c5e7f9a1b2c', // no dashes
    '{0f8e2a52-4c3b-4b8e-9d1a-3c5e7f9a1b2c}',
    ' 0f8e2a52-4c3b-4b8e-9d1a-3c5e7f9a1b2c',
    '0f8e2a52-4c3b-4b8e-9d1a-3c5e7f9a1b2c\n',
    'gf8e2a52-4c3b-4b8e-9d1a-3c5e7f9a1b2c', // not hex
    '0f8e2a52-4c3b-0b8e-9d1a-3c5e7f9a1b2c', // version 0
    '0f8e2a52-4c3b-4b8e-7d1a-3c5e7f9a1b2c', // variant not RFC 4122
    '00000000-0000-0000-0000-000000000000',
  ])('rejects %j', (text) => {
    expect(isUuid(text)).toBe(false);
  });

  it('parses a uuid argument lower-cased and refuses a malformed one', () => {
    expect(parseUuidArg('0F8E2A52-4C3B-4B8E-9D1A-3C5E7F9A1B2C', 'id')).toBe('0f8e2a52-4c3b-4b8e-9d1a-3c5e7f9a1b2c');
    expect(() => parseUuidArg('12', 'id')).toThrow('id must be a UUID');
  });
});
