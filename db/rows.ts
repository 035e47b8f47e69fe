// db.execute answers differently per driver: postgres.js with the rows, PGlite with { rows }.
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}
