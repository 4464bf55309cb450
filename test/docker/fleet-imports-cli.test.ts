import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';

/** `fleet imports <Dockerfile> --json` through the built CLI. */
describe('fleet imports on a Dockerfile', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ fixture: 'examples/polyglot', commit: false });
  });
  afterAll(() => ws?.dispose());

  it('prints stages, base images, copy sources and --from references with lines', () => {
    const r = ws.fleet(['imports', 'docker/report-image/Dockerfile', '--json']);
    expect(r.code).toBe(0);
    const [entry] = JSON.parse(r.stdout) as Array<
      Record<string, unknown> & { instructions: Array<Record<string, unknown>> }
    >;
    expect(entry.file).toBe('docker/report-image/Dockerfile');
    expect(entry.imports).toEqual([
      { specifier: 'image:docker.io/library/base-node:latest', kind: 'static', line: 3 },
      { specifier: 'report.mjs', kind: 'static', line: 7 },
    ]);
    expect(entry.stages).toEqual([
      { index: 0, name: 'base', line: 3 },
      { index: 1, name: 'check', line: 5 },
      { index: 2, line: 10 },
    ]);
    expect(entry.instructions.map((i) => [i.instruction, i.line])).toEqual([
      ['FROM', 3],
      ['FROM', 5],
      ['COPY', 7],
      ['FROM', 10],
      ['COPY', 11],
    ]);
    expect(entry.instructions[0].baseImages).toEqual([
      { ref: 'base-node:latest', canonical: 'docker.io/library/base-node:latest', mutable: true },
    ]);
    expect(entry.instructions[4]).toMatchObject({
      stages: [{ index: 1, name: 'check' }],
      copySources: [{ path: '/build/report.mjs', origin: 'stage', via: 'copy' }],
      from: [{ raw: 'check', kind: 'stage', stage: 1 }],
    });
  });

  it('reports a bad Dockerfile on stderr with file, line and code, and still prints it', () => {
    ws.write('bad/Dockerfile', 'FROM alpine\nCOPPY a /a\n');
    const r = ws.fleet(['imports', 'bad/Dockerfile', '--json']);
    expect(r.stderr).toContain('fleet: bad/Dockerfile:2: unknown instruction: COPPY [DOCKERFILE_UNKNOWN_INSTRUCTION]');
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(1);
  });
});
