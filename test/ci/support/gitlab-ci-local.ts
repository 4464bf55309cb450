import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../../rig';

export interface PipelineResult {
  code: number | null;
  output: string;
  /** Each job's build folder (gitlab-ci-local --shell-isolation gives every job its own copy). */
  builds: string[];
  /** Job name -> [first output line time, last] in ms, from gitlab-ci-local's lines as they came. */
  spans: Record<string, [number, number]>;
}

/**
 * Runs the workspace's `.gitlab-ci.yml` with gitlab-ci-local (the devDependency, 4.55.0) on the
 * shell executor: every job in its own copy of the checkout (`--shell-isolation`), the jobs of a
 * stage at once. `variables` are the pipeline's predefined and CI/CD variables (a variables file,
 * so PEM keys keep their newlines).
 */
export async function runGitlabPipeline(
  cwd: string,
  variables: Record<string, string>,
  env: NodeJS.ProcessEnv,
  timeoutMs = 240_000,
): Promise<PipelineResult> {
  // gitlab-ci-local reads it relative to its cwd (the fixture ignores it in .gitignore).
  const varsFile = path.join(cwd, '.gitlab-ci-local-variables.yml');
  fs.writeFileSync(varsFile, stringify(variables));
  fs.rmSync(path.join(cwd, '.gitlab-ci-local'), { recursive: true, force: true });
  const bin = path.join(repoRoot(), 'node_modules', 'gitlab-ci-local', 'src', 'index.js');
  const child = spawn(process.execPath, [bin, '--shell-executor-no-image', '--shell-isolation', '--color', 'false'], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const spans: Record<string, [number, number]> = {};
  const onData = (c: Buffer) => {
    const now = Date.now();
    output += c.toString();
    for (const line of c.toString().split('\n')) {
      const m = /^(\S+(?::\s\[\d+\/\d+\])?)\s+(?:>|\$)/.exec(line);
      if (!m) continue;
      const job = m[1];
      spans[job] = spans[job] ? [spans[job][0], now] : [now, now];
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  fs.rmSync(varsFile, { force: true });
  const buildsDir = path.join(cwd, '.gitlab-ci-local', 'builds');
  const builds = fs.existsSync(buildsDir) ? fs.readdirSync(buildsDir).map((b) => path.join(buildsDir, b)) : [];
  return { code, output, builds, spans };
}
