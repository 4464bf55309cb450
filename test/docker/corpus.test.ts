import { describe, expect, it } from 'vitest';
import { analyzeDockerfile, parseDockerfile, type DockerfileModel, type DockerInstruction } from '../../graph/docker';
import { loadCorpus, type CorpusExpectation } from './corpus';

const corpus = loadCorpus();

const span = (i: DockerInstruction): string =>
  `${i.keyword}@${i.startLine}${i.endLine === i.startLine ? '' : `-${i.endLine}`}`;
const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

function at(model: DockerfileModel, line: string): DockerInstruction {
  const found = model.instructions.find((a) => a.instruction.startLine === Number(line));
  if (!found) throw new Error(`no instruction starts on line ${line}`);
  return found.instruction;
}

function baseOf(model: DockerfileModel): string[] {
  return model.stages.map((s) =>
    s.base.kind === 'image' ? s.base.image.canonical : s.base.kind === 'stage' ? `stage:${s.base.stage}` : 'scratch',
  );
}

/** Every optional expectation, checked only when the expectation file states it. */
function checkOptional(model: DockerfileModel, e: CorpusExpectation): void {
  if (e.escape !== undefined) expect(model.escapeChar).toBe(e.escape);
  if (e.bases) expect(baseOf(model)).toEqual(e.bases);
  if (e.mutable)
    expect(model.stages.map((s) => (s.base.kind === 'image' ? s.base.image.mutable : null))).toEqual(e.mutable);
  if (e.stageNames) expect(model.stages.map((s) => s.name ?? null)).toEqual(e.stageNames);
  if (e.contextSources) expect([...new Set(model.contextSources.map((s) => s.path))].sort()).toEqual(e.contextSources);
  if (e.externalSources) expect(model.externalSources.map((s) => `${s.origin}@${s.line}`)).toEqual(e.externalSources);
  for (const [line, want] of Object.entries(e.from ?? {})) {
    const source = model.instructions.find((a) => a.instruction.startLine === Number(line))?.sources[0];
    const from = source?.from;
    expect(
      from && (from.kind === 'stage' ? `stage:${from.stage}` : `image:${from.image.canonical}`),
      `from on line ${line}`,
    ).toBe(want);
  }
  for (const [line, want] of Object.entries(e.heredocs ?? {})) {
    const ins = at(model, line);
    expect(
      (ins.trigger ?? ins).heredocs.map((h) => h.name),
      `heredocs on line ${line}`,
    ).toEqual(want);
  }
  for (const [line, want] of Object.entries(e.heredocDetails ?? {})) {
    const got = at(model, line).heredocs.map((h) => ({
      name: h.name,
      expand: h.expand,
      chomp: h.chomp,
      content: h.content,
      ...(h.fd ? { fd: h.fd } : {}),
    }));
    expect(got, `heredoc details on line ${line}`).toEqual(want);
  }
  for (const [line, want] of Object.entries(e.forms ?? {}))
    expect(at(model, line).form, `form on line ${line}`).toBe(want);
  for (const [line, want] of Object.entries(e.words ?? {}))
    expect(at(model, line).words, `words on line ${line}`).toEqual(want);
  for (const [line, want] of Object.entries(e.text ?? {}))
    expect(collapse(at(model, line).text), `text on line ${line}`).toBe(want);
  for (const [line, want] of Object.entries(e.flags ?? {})) {
    expect(
      at(model, line).flags.map((f) => (f.value === undefined ? f.name : `${f.name}=${f.value}`)),
      `flags on line ${line}`,
    ).toEqual(want);
  }
  for (const [line, want] of Object.entries(e.pairs ?? {})) {
    expect(
      at(model, line).pairs?.map((p) => `${p.key}=${p.value ?? ''}`),
      `pairs on line ${line}`,
    ).toEqual(want);
  }
  for (const [line, want] of Object.entries(e.mounts ?? {})) {
    const analyzed = model.instructions.find((a) => a.instruction.startLine === Number(line));
    expect(
      analyzed?.mounts.map((m) => m.type),
      `mounts on line ${line}`,
    ).toEqual(want);
  }
  for (const [line, want] of Object.entries(e.triggers ?? {})) expect(at(model, line).trigger?.keyword).toBe(want);
}

describe('Dockerfile corpus (hand-written expectations)', () => {
  it('has at least 50 Dockerfiles, including CRLF, BOM, backtick-escape and heredoc ones', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    expect(corpus.filter((c) => c.text.includes('\r\n')).length).toBeGreaterThanOrEqual(2);
    expect(corpus.some((c) => c.text.startsWith('\uFEFF'))).toBe(true);
    expect(corpus.filter((c) => /^# escape=`/m.test(c.text)).length).toBeGreaterThanOrEqual(3);
    expect(corpus.filter((c) => /<<-?["']?[A-Za-z]/.test(c.text)).length).toBeGreaterThanOrEqual(8);
  });

  for (const entry of corpus) {
    it(`${entry.name}: instructions, lines and diagnostics`, () => {
      const model = analyzeDockerfile(entry.text, { file: `corpus/${entry.name}.Dockerfile` });
      expect(model.instructions.map((a) => span(a.instruction))).toEqual(entry.expected.instructions);
      expect(model.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(entry.expected.diagnostics);
      if (entry.expected.directives) {
        const directives = parseDockerfile(entry.text).directives.map((d) => `${d.name}=${d.value}`);
        expect(directives).toEqual(entry.expected.directives);
      }
      checkOptional(model, entry.expected);
    });
  }
});
