import fs from 'node:fs';
import { apiSchemaFile, undescribedCoordinates } from '../scripts/schema-contract';

// Every element of the published schema is described: a new one without a description fails here.
describe('descriptions of the API schema', () => {
  it('describes every type, field, argument, enum value and input field', () => {
    const undescribed = undescribedCoordinates(fs.readFileSync(apiSchemaFile, 'utf8'));
    expect(
      undescribed.map((c) => `${c}: add a description (type-graphql \`description:\`) a frontend engineer can act on`),
    ).toEqual([]);
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
