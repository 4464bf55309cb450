/**
 * Converts a workspace glob (the kinds found in `workspaces`, `pnpm-workspace.yaml` and the
 * `exclude` options: `*`, `**`, `?`, `{a,b}`) to an anchored RegExp over forward-slash,
 * workspace-relative paths. `**` spans folders; `*` and `?` stay within one. With `matchBelow`
 * (the default) the glob also matches everything below what it names, so a folder name
 * excludes the folder. Node 20 has no `path.matchesGlob`, and graph/ takes no glob dependency
 * for this much.
 */
export function globToRegExp(glob: string, matchBelow = true): RegExp {
  let src = '';
  const pattern = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      src += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) src += '\\{';
      else {
        src +=
          '(?:' +
          pattern
            .slice(i + 1, end)
            .split(',')
            .map(escape)
            .join('|') +
          ')';
        i = end;
      }
    } else src += escape(c);
  }
  return new RegExp(matchBelow ? `^${src}(?:/.*)?$` : `^${src}$`);
}

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}

/** True when `path` or one of its ancestor folders matches one of the (exact) globs. */
export function matchesPathOrAncestor(path: string, globs: RegExp[]): boolean {
  if (!globs.length) return false;
  const parts = path.split('/');
  for (let i = parts.length; i > 0; i--) {
    const prefix = parts.slice(0, i).join('/');
    if (globs.some((g) => g.test(prefix))) return true;
  }
  return false;
}
