import { articleUrl, type Article } from '@polyglot/core';
import { formatTable } from '@polyglot/format';

/** The article index as text: one row per article with its URL. */
export function renderIndex(articles: readonly Article[]): string {
  return formatTable([['id', 'url'], ...articles.map((a) => [String(a.id), articleUrl(a)])]);
}
