import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createWorkspace } from '../rig';
import {
  canonicalRequirement,
  nxRunArgv,
  nxTaskArg,
  payloadProblem,
  signJob,
  taskNameProblem,
  verifyJob,
  type JobPayload,
} from '../../runner';
import { levelKeys } from './support/keys';
import { createPublicKey } from 'node:crypto';

// Characters that occur in real names (scopes, paths, versions) and ones that could go wrong in
// an argv or a log: the generator mixes them; Nx, not we, says which names are valid.
const ALPHABET = [...'abcXYZ019@/._-+:# !$%&()[]{},;=~\'"`\\*?<>^|éü中'];
function names(count: number, seed: number): string[] {
  let x = seed;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  const out = new Set<string>(['@polyglot/api', 'x:y', '-x', '--x', 'a b', 'a\tb', 't', '中文']);
  while (out.size < count)
    out.add(
      Array.from({ length: 1 + Math.floor(rnd() * 10) }, () => ALPHABET[Math.floor(rnd() * ALPHABET.length)]).join(''),
    );
  return [...out];
}

describe('task names: every name Nx accepts round-trips through signing, validation and the agent argv', () => {
  it('checks generated names against a real Nx workspace', () => {
    const generated = names(120, 7);
    const files: Record<string, string> = { 'package.json': '{"name":"names","private":true}', 'nx.json': '{}' };
    generated.forEach((n, i) => {
      files[`p${i}/project.json`] = JSON.stringify({
        name: n,
        root: `p${i}`,
        targets: { [n]: { command: 'echo t', configurations: { [n]: {} } }, echo: { command: 'echo ran' } },
      });
    });
    const ws = createWorkspace({ files });
    try {
      const nxBin = require.resolve('nx/bin/nx.js');
      const shown = spawnSync(process.execPath, [nxBin, 'graph', '--file=graph.json'], {
        cwd: ws.root,
        env: { ...process.env, NX_DAEMON: 'false' },
        encoding: 'utf8',
      });
      expect(shown.status, shown.stderr).toBe(0);
      const graph = JSON.parse(fs.readFileSync(`${ws.root}/graph.json`, 'utf8')).graph;
      const nodes = graph.nodes as Record<
        string,
        { data: { targets: Record<string, { configurations?: Record<string, unknown> }> } }
      >;
      // Nx's own split of `nx run`'s argument (the oracle for which task the agent's argv names).
      const { splitTargetFromNodes } = require(require.resolve('nx/src/utils/split-target', { paths: [ws.root] }));
      const keys = levelKeys();
      const pub = { level: 'trusted', publicKey: createPublicKey(keys.publicPem) };
      let accepted = 0;
      let refused = 0;
      const unaddressable: string[] = [];
      for (const project of Object.keys(nodes)) {
        const target = project;
        expect(nodes[project].data.targets[target], `Nx kept target ${JSON.stringify(target)}`).toBeDefined();
        for (const configuration of [undefined, project]) {
          const payload: JobPayload = {
            v: 2,
            trust: 'trusted',
            runId: 'r-names',
            taskId: nxTaskArg(project, target, configuration),
            commit: 'a'.repeat(40),
            project,
            target,
            configuration,
            requirement: canonicalRequirement(),
            attempt: 1,
          };
          const rule =
            taskNameProblem('project', project) ??
            taskNameProblem('target', target) ??
            (configuration ? taskNameProblem('configuration', configuration) : undefined);
          const job = JSON.parse(JSON.stringify(signJob(payload, keys.privateKey)));
          const verified = verifyJob(job, pub);
          if (rule) {
            // Only the documented exceptions are refused.
            expect(/starts with "-"|control character|double quote|alias of nx run/.test(rule), rule).toBe(true);
            expect(verified.ok).toBe(false);
            expect(payloadProblem(payload as unknown as Record<string, unknown>)).toBe(rule);
            refused++;
            continue;
          }
          expect(verified, JSON.stringify(project)).toMatchObject({ ok: true });
          const argv = nxRunArgv(project, target, configuration);
          expect(argv[1].startsWith('-')).toBe(false);
          let split: string[] = [];
          try {
            split = splitTargetFromNodes(argv[1], nodes, { silent: true });
          } catch {
            split = [];
          }
          if (
            JSON.stringify(split.filter(Boolean)) !== JSON.stringify([project, target, configuration].filter(Boolean))
          )
            unaddressable.push(argv[1]);
          accepted++;
        }
      }
      console.log(
        `task names: ${Object.keys(nodes).length} projects Nx accepted, ${accepted} tasks round-tripped, ${refused} refused by the documented rules`,
      );
      expect(accepted).toBeGreaterThan(150);
      // Every accepted task is the one Nx's own split of the agent's argument finds.
      expect(unaddressable).toEqual([]);
      expect(nodes['@polyglot/api']).toBeDefined();
    } finally {
      fs.rmSync(ws.root, { recursive: true, force: true });
    }
  }, 120_000);
});
