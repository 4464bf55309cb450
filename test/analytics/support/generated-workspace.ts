import { createWorkspace, type TestWorkspace } from '../../rig';

/** A small seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedWorkspace {
  ws: TestWorkspace;
  projects: string[];
  /** project -> the projects it depends on */
  deps: Record<string, string[]>;
  /** every task id with inputs */
  tasks: string[];
  /** every source file written */
  files: string[];
}

/**
 * A generated Nx workspace with nx-fleet as its plugin: `n` projects in a random DAG, each with
 * `build` (all its files and its dependencies' production files, an env and a runtime input),
 * `test` (production files excluded via a negation, depends on build) and `lint` (only src/, a
 * workspace-root config file). Tasks are plain commands writing nothing inside their inputs.
 */
export function generateWorkspace(
  n: number,
  seed: number,
  extraFiles: Record<string, string> = {},
): GeneratedWorkspace {
  const rand = prng(seed);
  const files: Record<string, string> = {
    'nx.json': JSON.stringify({
      plugins: ['nx-fleet'],
      namedInputs: {
        default: ['{projectRoot}/**/*'],
        production: ['default', '!{projectRoot}/**/*.spec.ts'],
      },
    }),
    'package.json': JSON.stringify({ name: 'gen-root', private: true }),
    'lint.config.json': '{"rules":{}}\n',
    ...extraFiles,
  };
  const projects: string[] = [];
  const deps: Record<string, string[]> = {};
  const sources: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `p${i}`;
    projects.push(name);
    deps[name] = projects.slice(0, i).filter(() => rand() < 2 / Math.max(i, 1));
    const root = `libs/${name}`;
    const run = (what: string) => ({ command: `node -e "console.log('${what} ${name}')"` });
    files[`${root}/project.json`] = JSON.stringify({
      name,
      root,
      implicitDependencies: deps[name],
      targets: {
        build: {
          executor: 'nx:run-commands',
          cache: true,
          dependsOn: ['^build'],
          inputs: ['default', '^production', { env: 'GEN_MODE' }, { runtime: 'node -e "console.log(1)"' }],
          options: run('build'),
        },
        test: {
          executor: 'nx:run-commands',
          cache: true,
          dependsOn: ['build'],
          inputs: ['default', '^production'],
          options: run('test'),
        },
        lint: {
          executor: 'nx:run-commands',
          cache: true,
          inputs: ['{projectRoot}/src/**/*', '{workspaceRoot}/lint.config.json'],
          options: run('lint'),
        },
      },
    });
    const count = 2 + Math.floor(rand() * 4);
    for (let j = 0; j < count; j++) {
      const file = `${root}/src/f${j}.ts`;
      files[file] = `export const v${j} = ${i * 100 + j};\n`.repeat(1 + Math.floor(rand() * 5));
      sources.push(file);
    }
    files[`${root}/src/f0.spec.ts`] = `test ${name}\n`;
    files[`${root}/README.md`] = `# ${name}\n`;
    sources.push(`${root}/src/f0.spec.ts`, `${root}/README.md`);
  }
  const ws = createWorkspace({ files });
  const tasks = projects.flatMap((p) => ['build', 'test', 'lint'].map((t) => `${p}:${t}`));
  return { ws, projects, deps, tasks, files: sources };
}
