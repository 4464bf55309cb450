/**
 * Converts a workspace glob (`libs/*`, `packages/**`, `**\/*.spec.ts`, `dist`) to a RegExp over
 * workspace-relative paths. `**` spans folders, `*` and `?` stay within one; a glob without a
 * wildcard also matches everything below it (a folder name excludes the folder) unless
 * `matchBelow` is false.
 */
export function globToRegExp(glob: string, matchBelow = true): RegExp {
  const g = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      const slash = g[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(matchBelow ? `^${re}(?:/.*)?$` : `^${re}$`);
}
