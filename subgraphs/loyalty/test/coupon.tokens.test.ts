import { randomUUID } from 'node:crypto';
import { couponIdOfToken, couponToken } from '../src/modules/coupon/coupon.tokens';

const key = Buffer.alloc(32, 9);

describe('coupon QR tokens', () => {
  it('name the coupon they were minted for, with this key only', () => {
    const id = randomUUID();
    const token = couponToken(key, id);
    expect(token).toMatch(/^cq_[\w-]{43}$/);
    expect(couponIdOfToken(key, token)).toBe(id);
    expect(couponIdOfToken(Buffer.alloc(32, 8), token)).toBeNull();
  });

  it('accept only the canonical spelling: every other last character is refused, even one that decodes the same', () => {
    const token = couponToken(key, randomUUID());
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const others = [...alphabet].filter((c) => c !== token.at(-1)).map((c) => token.slice(0, -1) + c);
    expect(others.filter((other) => couponIdOfToken(key, other) !== null)).toEqual([]);
  });

  it('refuse a changed MAC, a changed id and anything of another shape', () => {
    const token = couponToken(key, randomUUID());
    const body = token.slice(3);
    const swap = (i: number) => `cq_${body.slice(0, i)}${body[i] === 'A' ? 'B' : 'A'}${body.slice(i + 1)}`;
    for (const bad of [swap(0), swap(30), `${token}A`, token.slice(0, -1), 'cq_', 'not-a-token', randomUUID()]) {
      expect(couponIdOfToken(key, bad)).toBeNull();
    }
  });
});
