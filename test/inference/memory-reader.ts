import { isProjectConfigFileName, type WorkspaceReader } from '../../graph';

/** A {@link WorkspaceReader} over an in-memory file map, for inference tests that need no disk. */
export function memoryReader(files: Record<string, string>): WorkspaceReader & { configFiles(): string[] } {
  const paths = Object.keys(files);
  return {
    readFile: (p) => files[p],
    readDir(dir) {
      const prefix = dir === '.' ? '' : `${dir}/`;
      const out = new Map<string, boolean>();
      for (const p of paths) {
        if (!p.startsWith(prefix)) continue;
        const [name, ...rest] = p.slice(prefix.length).split('/');
        out.set(name, (out.get(name) ?? false) || rest.length > 0);
      }
      return [...out].map(([name, dir]) => ({ name, dir }));
    },
    configFiles: () => paths.filter((p) => isProjectConfigFileName(p.split('/').pop() as string)),
  };
}
