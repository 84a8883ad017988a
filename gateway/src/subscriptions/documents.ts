import { type DocumentNode, GraphQLError, type GraphQLSchema, parse, validate } from 'graphql';

/** A client document, parsed and validated once: the document, or why it cannot run. */
export type CheckedDocument = { document: DocumentNode; errors: null } | { document: null; errors: GraphQLError[] };

/**
 * Parses and validates each distinct document text once, for every connection that sends it: thousands of
 * subscribers of the same subscription hold one document between them instead of a parsed copy each (about 13 KB
 * with token locations), and skip validation, which was a third of the CPU of connecting them.
 *
 * Documents are parsed without locations (a third of their size); a document that fails validation is parsed and
 * validated again with them, so that its errors still point into the text. A bounded LRU keyed by the text: the
 * texts clients send are few in practice, and a client sending ever-new ones costs what it did without the cache.
 */
export class DocumentCache {
  private readonly entries = new Map<string, CheckedDocument>();

  constructor(
    private readonly schema: GraphQLSchema,
    /**
     * Whether validation errors keep graphql-js's "Did you mean …?" (off in production, where the schema is not
     * shown: a suggestion names fields a client could not otherwise list, as Apollo Server's
     * hideSchemaDetailsFromClientErrors does for HTTP).
     */
    private readonly suggestions = true,
    private readonly maxEntries = 1_000,
    /** Longer texts are checked every time, not kept. */
    private readonly maxLength = 50_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(text: string): CheckedDocument {
    const hit = this.entries.get(text);
    if (hit) {
      // Most recently used last: the first entry is the one to evict.
      this.entries.delete(text);
      this.entries.set(text, hit);
      return hit;
    }
    const checked = this.check(text);
    if (text.length <= this.maxLength) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(text, checked);
    }
    return checked;
  }

  private check(text: string): CheckedDocument {
    let document: DocumentNode;
    try {
      document = parse(text, { noLocation: true });
    } catch (error) {
      // A syntax error carries its location whatever the option (it comes from the lexer's position).
      if (error instanceof GraphQLError) return { document: null, errors: [error] };
      throw error;
    }
    if (validate(this.schema, document).length === 0) return { document, errors: null };
    const errors = validate(this.schema, parse(text));
    if (!this.suggestions) for (const error of errors) error.message = withoutSuggestion(error.message);
    return { document: null, errors: [...errors] };
  }
}

/** A validation message without its "Did you mean …?" (the same rewrite as Apollo Server's for HTTP). */
const withoutSuggestion = (message: string) => message.replace(/ ?Did you mean(.+?)\?$/, '');
