/** The headers of a message checked against a schema, which only the broker sets (SCHEMA-7). */
export const SCHEMA_HEADER = 'ferry-schema';
export const SCHEMA_VERSION_HEADER = 'ferry-schema-version';
