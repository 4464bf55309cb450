/**
 * The workspace files a `docker build` would bring into the image through COPY/ADD, computed
 * the way BuildKit does and independently of graph/docker: the context and Dockerfile come
 * from the command line Nx runs; `.dockerignore` (or `<Dockerfile>.dockerignore` beside the
 * Dockerfile, which wins) is matched like moby/patternmatcher (last match wins, `!` re-includes,
 * a pattern that matches a folder matches everything under it, `**` spans folders); COPY
 * sources are Go `filepath.Match` globs against the context, a folder brings all it holds.
 */
export interface DockerBuildCall {
  dockerfile: string;
  context: string;
}

/** `docker build -f F [...] CONTEXT` inside a shell command line (tokens split on blanks, quotes stripped). */
export function parseDockerBuild(command: string): DockerBuildCall | undefined {
  const at = command.indexOf('docker build');
  if (at < 0) return undefined;
  const tokens = command
    .slice(at + 'docker build'.length)
    .split('&&')[0]
    .trim()
    .split(/\s+/)
    .map((t) => t.replace(/^['"]|['"]$/g, ''));
  let dockerfile: string | undefined;
  const positional: string[] = [];
  const withValue = new Set(['-f', '--file', '-t', '--tag', '--iidfile', '--build-arg', '--target', '--platform']);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '-f' || t === '--file') dockerfile = tokens[++i];
    else if (withValue.has(t)) i++;
    else if (t.startsWith('--file=')) dockerfile = t.slice(7);
    else if (!t.startsWith('-')) positional.push(t);
  }
  const context = clean(positional[positional.length - 1] ?? '.');
  return { context, dockerfile: clean(dockerfile ?? `${context}/Dockerfile`) };
}

/** Files (workspace-relative) that the COPY/ADD instructions of `dockerfileText` bring in. */
export function dockerCopyFiles(
  call: DockerBuildCall,
  dockerfileText: string,
  workspaceFiles: readonly string[],
  read: (file: string) => string | undefined,
): string[] {
  const prefix = call.context === '.' ? '' : `${call.context}/`;
  const inContext = workspaceFiles.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
  const ignoreText = read(`${call.dockerfile}.dockerignore`) ?? read(`${prefix}.dockerignore`) ?? '';
  const ignore = ignorePatterns(ignoreText);
  const kept = inContext.filter((f) => !ignored(f, ignore));
  const out = new Set<string>();
  for (const source of copySources(dockerfileText)) {
    const pattern = clean(source);
    const re = pattern === '.' ? undefined : goGlob(pattern);
    for (const f of kept) {
      if (!re || re.test(f) || ancestors(f).some((a) => re.test(a))) out.add(prefix + f);
    }
  }
  return [...out].sort();
}

/** COPY/ADD sources (not `--from` stages, not URLs), continuation lines joined, JSON form read. */
export function copySources(text: string): string[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const out: string[] = [];
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    let rest = m[2].trim();
    let fromStage = false;
    while (rest.startsWith('--')) {
      const flag = /^--(\S+)\s*/.exec(rest) as RegExpExecArray;
      if (flag[1].startsWith('from=')) fromStage = true;
      rest = rest.slice(flag[0].length);
    }
    if (fromStage) continue;
    const args = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
    for (const s of args.slice(0, -1)) if (!/^[a-z]+:\/\//i.test(s)) out.push(s);
  }
  return out;
}

interface IgnorePattern {
  re: RegExp;
  exclusion: boolean;
}

function ignorePatterns(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    line = clean(line);
    if (line === '.' || line === '') continue;
    out.push({ re: goGlob(line, true), exclusion });
  }
  return out;
}

/** moby/patternmatcher: the last pattern matching the file or one of its parent folders decides. */
function ignored(file: string, patterns: IgnorePattern[]): boolean {
  let result = false;
  const paths = [file, ...ancestors(file)];
  for (const p of patterns) {
    if (paths.some((x) => p.re.test(x))) result = !p.exclusion;
  }
  return result;
}

function ancestors(file: string): string[] {
  const out: string[] = [];
  for (let i = file.lastIndexOf('/'); i > 0; i = file.lastIndexOf('/', i - 1)) out.push(file.slice(0, i));
  return out;
}

function clean(p: string): string {
  const parts: string[] = [];
  for (const seg of p.replace(/^\/+/, '').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.length ? parts.join('/') : '.';
}

/** Go filepath.Match (`*`, `?`, `[...]` within one path segment); with `doubleStar`, `**` spans segments. */
function goGlob(pattern: string, doubleStar = false): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && doubleStar && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      re += `[${pattern.slice(i + 1, end).replace(/^\^|^!/, '^')}]`;
      i = end;
    } else if (c === '\\') re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
