import { slugify, titleCase } from '@polyglot/util';

export interface Article {
  id: number;
  title: string;
}

/** The canonical URL path of an article: `/articles/42-hello-world`. */
export function articleUrl(article: Article): string {
  return `/articles/${article.id}-${slugify(titleCase(article.title))}`;
}
