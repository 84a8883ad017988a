import fs from 'node:fs';
import {
  apiSchemaFile,
  parseUndescribedList,
  undescribedCoordinates,
  undescribedFile,
} from '../scripts/schema-contract';

// A shrinking ratchet: schema/undescribed.txt names the elements that still lack a description; a new element
// without one fails, and so does an entry that has since been described or removed, so the list only shrinks.
describe('descriptions of the API schema', () => {
  const undescribed = undescribedCoordinates(fs.readFileSync(apiSchemaFile, 'utf8'));
  const allowed = parseUndescribedList(fs.readFileSync(undescribedFile, 'utf8'));

  it('describes every type, field, argument, enum value and input field', () => {
    const allowedSet = new Set(allowed);
    const missing = undescribed.filter((coordinate) => !allowedSet.has(coordinate));
    expect(
      missing.map((c) => `${c}: add a description (type-graphql \`description:\`) a frontend engineer can act on`),
    ).toEqual([]);
  });

  it('lists in schema/undescribed.txt only elements that exist and still lack a description', () => {
    const undescribedSet = new Set(undescribed);
    const stale = allowed.filter((coordinate) => !undescribedSet.has(coordinate));
    expect(stale.map((c) => `${c}: described or gone, remove it from schema/undescribed.txt`)).toEqual([]);
  });

  it('finds each kind of undescribed element', () => {
    const sdl = `
      """Described"""
      type Query {
        """Described"""
        order(id: ID!, """Described""" locale: String): Order
        bare: Int
      }
      type Order { id: ID! }
      enum Status { """Described""" OPEN CLOSED }
      input Filter { status: Status }
    `;
    expect(undescribedCoordinates(sdl)).toEqual([
      'Query.order(id:)',
      'Query.bare',
      'Order',
      'Order.id',
      'Status',
      'Status.CLOSED',
      'Filter',
      'Filter.status',
    ]);
  });
});
