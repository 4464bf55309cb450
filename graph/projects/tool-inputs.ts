import type { TargetInput, WorkspaceReader } from './types';

/** Builds the inputs that hash the installed version of tools (typescript, vitest, ...). */
export type ToolInputs = (packages: readonly string[]) => TargetInput[];

const LOCKFILES: Array<{ file: string; mentions: (text: string, pkg: string) => boolean }> = [
  { file: 'package-lock.json', mentions: (t, p) => t.includes(`"node_modules/${p}"`) },
  { file: 'pnpm-lock.yaml', mentions: (t, p) => t.includes(`${p}@`) },
  { file: 'yarn.lock', mentions: (t, p) => t.includes(`${p}@`) },
  { file: 'bun.lock', mentions: (t, p) => t.includes(`"${p}"`) },
];

/**
 * Hashes tool versions the Nx way when Nx can: `{externalDependencies}` names an npm node of
 * the project graph, which Nx builds from the lockfile. Without a lockfile that lists the
 * package (Nx would fail the run with "externalDependency could not be found"), a `runtime`
 * input prints the installed version instead: machine-independent, and it still changes
 * when the tool is upgraded.
 */
export function createToolInputs(reader: WorkspaceReader): ToolInputs {
  let lockfile: { text: string; mentions: (text: string, pkg: string) => boolean } | null | undefined;
  const lock = () => {
    if (lockfile !== undefined) return lockfile;
    for (const l of LOCKFILES) {
      const text = reader.readFile(l.file);
      if (text !== undefined) return (lockfile = { text, mentions: l.mentions });
    }
    return (lockfile = null);
  };
  return (packages) => {
    const viaLockfile = [...new Set(packages)].sort().filter((p) => lock()?.mentions(lock()!.text, p));
    const viaRuntime = [...new Set(packages)].sort().filter((p) => !viaLockfile.includes(p));
    return [
      ...(viaLockfile.length ? [{ externalDependencies: viaLockfile }] : []),
      ...viaRuntime.map((p) => ({ runtime: versionCommand(p) })),
    ];
  };
}

/** A shell command that prints the installed version of a package, or `not-installed`. */
export function versionCommand(pkg: string): string {
  return `node -e "try{process.stdout.write(require('${pkg}/package.json').version)}catch{process.stdout.write('not-installed')}"`;
}
