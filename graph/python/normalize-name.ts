/** PEP 503 normalisation of a distribution name: `Foo.Bar_baz` → `foo-bar-baz`. */
export function normalizeDistributionName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[-_.]+/g, '-');
}
