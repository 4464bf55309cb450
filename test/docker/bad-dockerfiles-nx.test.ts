import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';

/** Broken Dockerfiles on real nx: one located warning each, and the rest of the graph builds. */
describe('bad Dockerfiles on real nx', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      files: {
        'package.json': JSON.stringify({ name: 'bad', private: true }),
        'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }),
        'images/heredoc/Dockerfile': 'FROM alpine:3.20\nRUN <<EOF\necho never closed\nCOPY app.sh /app.sh\n',
        'images/heredoc/app.sh': 'echo app\n',
        'images/unknown/Dockerfile': 'FROM alpine:3.20\nCOPPY a /a\nCOPY b /b\n',
        'images/nofrom/Dockerfile': '# no base at all\nRUN echo hi\n',
        'images/good/Dockerfile': 'FROM alpine:3.20\nCOPY . /app\n',
        'images/good/run.sh': 'echo good\n',
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('prints one located warning per problem and still lists every project', () => {
    const r = ws.nx(['show', 'projects', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as string[]).sort()).toEqual(['good', 'heredoc', 'nofrom', 'unknown']);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('nx-fleet: '));
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nx-fleet: images\/heredoc\/Dockerfile:2: .* \[DOCKERFILE_UNTERMINATED_HEREDOC\]$/),
        expect.stringMatching(/^nx-fleet: images\/unknown\/Dockerfile:2: .* \[DOCKERFILE_UNKNOWN_INSTRUCTION\]$/),
        expect.stringMatching(/^nx-fleet: images\/nofrom\/Dockerfile:2: .* \[DOCKERFILE_NO_FROM\]$/),
      ]),
    );
    expect(warnings.filter((l) => l.includes('images/good/'))).toEqual([]);
  });

  it('keeps what can be read: the recovered COPY after an unterminated heredoc is an input', () => {
    const shown = JSON.parse(ws.nxOk(['show', 'project', 'heredoc', '--json'])) as {
      targets: Record<string, { inputs: unknown[] }>;
    };
    expect(shown.targets['docker-build'].inputs).toContain('{workspaceRoot}/images/heredoc/app.sh');
    const unknown = JSON.parse(ws.nxOk(['show', 'project', 'unknown', '--json'])) as {
      targets: Record<string, { inputs: unknown[] }>;
    };
    expect(unknown.targets['docker-build'].inputs).toContain('{workspaceRoot}/images/unknown/b/**/*');
  });

  it('bad docker options fail nx naming the option', () => {
    const nxJson = ws.read('nx.json');
    ws.write(
      'nx.json',
      JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { docker: { exportImage: 'zip' } } }] }),
    );
    const r = ws.nx(['show', 'projects', '--json']);
    ws.write('nx.json', nxJson);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('"docker.exportImage": must be one of false, "tar", "registry" (got "zip")');
  });
});
