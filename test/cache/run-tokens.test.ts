import { describe, expect, it } from 'vitest';
import { RunTokenIssuer, runNamespace, runTokenRequestProblem, type MintRights } from '../../cache/run-tokens';
import type { Namespace } from '../../cache/types';

const WRITE: MintRights = { mint: 'write', read: ['main' as Namespace], ttlSeconds: 60 };
const READ: MintRights = { mint: 'read', read: ['main' as Namespace], ttlSeconds: 60 };
const RUN = { runId: 'r-1', commit: 'a'.repeat(40), patchSha256: 'b'.repeat(64) };

describe('per-run cache tokens', () => {
  it('a write mint gives a token that reads main then its run and writes only its run; a read mint writes nothing', () => {
    const issuer = new RunTokenIssuer();
    const w = issuer.issue(WRITE, RUN);
    expect(issuer.verify(w.token)).toEqual({
      name: `run-token:${w.namespace}`,
      write: w.namespace,
      read: ['main', w.namespace],
    });
    expect(w.namespace).not.toBe('main');
    const r = issuer.issue(READ, RUN);
    expect(r.namespace).toBe(w.namespace);
    expect(issuer.verify(r.token)).toMatchObject({ write: null, read: ['main', w.namespace] });
  });

  it('the namespace is bound to run, commit and patch: another run or other code gets another one', () => {
    const seen = new Set(
      [RUN, { ...RUN, runId: 'r-2' }, { ...RUN, commit: 'c'.repeat(40) }, { ...RUN, patchSha256: undefined }].map(
        runNamespace,
      ),
    );
    expect(seen.size).toBe(4);
  });

  it('refuses forged, altered, expired and foreign tokens', () => {
    const issuer = new RunTokenIssuer();
    const t = issuer.issue(WRITE, RUN, Date.now());
    const [body, sig] = t.token.slice(4).split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const altered = `flr_${Buffer.from(JSON.stringify({ ...claims, n: 'main' })).toString('base64url')}.${sig}`;
    expect(issuer.verify(altered)).toBeUndefined();
    expect(new RunTokenIssuer().verify(t.token)).toBeUndefined();
    expect(issuer.verify(t.token, Date.now() + 61_000)).toBeUndefined();
    expect(issuer.verify('flr_garbage')).toBeUndefined();
  });

  it('validates mint requests', () => {
    expect(runTokenRequestProblem(RUN)).toBeUndefined();
    expect(runTokenRequestProblem({ ...RUN, commit: 'HEAD' })).toMatch(/commit/);
    expect(runTokenRequestProblem({ ...RUN, runId: '-x\n' })).toMatch(/runId/);
    expect(runTokenRequestProblem([])).toMatch(/object/);
  });
});
