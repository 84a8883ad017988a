import { buildSchema } from 'graphql';
import { DocumentCache } from '../src/subscriptions/documents';

const schema = buildSchema(`
  type Query { hello: String }
  type Subscription { ticks(every: Int): Int }
`);

describe('DocumentCache', () => {
  it('gives every sender of the same text one document, parsed without locations', () => {
    const cache = new DocumentCache(schema);
    const a = cache.get('subscription { ticks(every: 2) }');
    const b = cache.get('subscription { ticks(every: 2) }');
    expect(a.document).not.toBeNull();
    expect(b.document).toBe(a.document);
    expect(a.document!.loc).toBeUndefined();
  });

  it('answers validation errors with their locations, and syntax errors', () => {
    const cache = new DocumentCache(schema);
    const invalid = cache.get('subscription {\n  nope\n}');
    expect(invalid.document).toBeNull();
    expect(invalid.errors![0].message).toMatch(/Cannot query field "nope"/);
    expect(invalid.errors![0].locations).toEqual([{ line: 2, column: 3 }]);
    const broken = cache.get('subscription {');
    expect(broken.document).toBeNull();
    expect(broken.errors![0].message).toMatch(/Syntax Error/);
  });

  it('evicts the least recently used text beyond its bound, and keeps no long text', () => {
    const cache = new DocumentCache(schema, true, 2, 40);
    const first = cache.get('{ hello }');
    cache.get('{ a: hello }');
    cache.get('{ hello }'); // used again: now the most recent
    cache.get('{ b: hello }'); // evicts '{ a: hello }'
    expect(cache.size).toBe(2);
    expect(cache.get('{ hello }').document).toBe(first.document);
    cache.get(`{ ${'x'.repeat(50)}: hello }`);
    expect(cache.size).toBe(2);
  });
});
