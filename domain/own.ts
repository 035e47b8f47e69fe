// Lookups by a name that a caller chose (a service, an environment, a forge): only the record's own
// entries count. `config.services["constructor"]` is Object's constructor, and a truthiness check
// lets it through to code that then fails with a 500.

/** `record[key]` if the record itself holds `key`, else undefined. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
