/** Narrow accessors for values parsed from TOML, where any key may hold anything. */
export type TomlTable = Record<string, unknown>;

export function table(value: unknown): TomlTable | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
    ? (value as TomlTable)
    : undefined;
}

/** Follows `path` through nested tables. */
export function tableAt(root: TomlTable | undefined, ...path: string[]): TomlTable | undefined {
  let t = root;
  for (const key of path) t = table(t?.[key]);
  return t;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
