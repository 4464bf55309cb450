/**
 * The per-instruction "imports" of a Dockerfile: the JSON behind
 * `fleet imports Dockerfile --json`. A stable, documented shape (docs/dockerfiles.md):
 * add fields, never rename or remove them.
 */
import type { WorkspacePath } from '../types';
import { buildDockerfileModel } from './model';
import { parseDockerfile } from './parse-dockerfile';
import type {
  AnalyzedInstruction,
  DockerfileDiagnostic,
  DockerfileModelOptions,
  DockerSource,
  FromReference,
  StageBase,
} from './types';

/** A stage as referenced in imports output. */
export interface DockerStageRef {
  index: number;
  name?: string;
}

/** One `--from=` (or FROM <stage>) reference. */
export interface DockerFromImport {
  raw: string;
  kind: 'stage' | 'image';
  stage?: number;
  /** Canonical image name for image references. */
  image?: string;
  mutable?: boolean;
}

/** One instruction that imports something: a base, a stage, context files or remote sources. */
export interface DockerImportEntry {
  /** Keyword; ONBUILD triggers appear as `ONBUILD` with `onbuild: true` data of the trigger. */
  instruction: string;
  line: number;
  endLine: number;
  /** The stage the instruction belongs to (for FROM, the stage it starts); null before the first FROM. */
  stage: DockerStageRef | null;
  /** Earlier stages this instruction reads (FROM <stage>, COPY --from=<stage>, mount from=<stage>). */
  stages: DockerStageRef[];
  /** FROM only: the base image (canonical name and whether the tag is mutable). */
  baseImages: Array<{ ref: string; canonical: string; mutable: boolean }>;
  /** COPY/ADD/bind-mount sources with their origin (`context`, `stage`, `image`, `url`, `git`, `heredoc`). */
  copySources: Array<{ path: string; origin: DockerSource['origin']; via: DockerSource['via'] }>;
  /** Every `--from=` reference of the instruction. */
  from: DockerFromImport[];
  /** True for ONBUILD: its sources are read by images built FROM this one, not by this build. */
  onbuild?: boolean;
}

/** Result of {@link extractDockerImports}. */
export interface DockerImports {
  file: WorkspacePath;
  stages: Array<DockerStageRef & { line: number }>;
  instructions: DockerImportEntry[];
  diagnostics: DockerfileDiagnostic[];
}

/**
 * Per-instruction imports of one Dockerfile. Instructions that import nothing are left out.
 *
 * @example
 * extractDockerImports('apps/api/Dockerfile', 'FROM node:20 AS b\nCOPY dist /app\n').instructions
 * // [{ instruction: 'FROM', line: 1, baseImages: [{ ref: 'node:20', canonical: 'docker.io/library/node:20', mutable: true }], ... },
 * //  { instruction: 'COPY', line: 2, copySources: [{ path: 'dist', origin: 'context', via: 'copy' }], ... }]
 */
export function extractDockerImports(
  file: WorkspacePath,
  text: string,
  options: DockerfileModelOptions = {},
): DockerImports {
  const model = buildDockerfileModel(parseDockerfile(text, { file }), options);
  const stageRef = (index: number): DockerStageRef => {
    const name = model.stages[index]?.name;
    return name === undefined ? { index } : { index, name };
  };
  const instructions = model.instructions
    .map((analyzed) => toEntry(analyzed, model.stages[analyzed.stage]?.base, stageRef))
    .filter((entry): entry is DockerImportEntry => entry !== undefined);
  return {
    file,
    stages: model.stages.map((s) => ({ ...stageRef(s.index), line: s.line })),
    instructions,
    diagnostics: model.diagnostics,
  };
}

function toEntry(
  analyzed: AnalyzedInstruction,
  base: StageBase | undefined,
  stageRef: (i: number) => DockerStageRef,
): DockerImportEntry | undefined {
  const ins = analyzed.instruction;
  const entry: DockerImportEntry = {
    instruction: ins.keyword,
    line: ins.startLine,
    endLine: ins.endLine,
    stage: analyzed.stage < 0 ? null : stageRef(analyzed.stage),
    stages: [],
    baseImages: [],
    copySources: analyzed.sources.map((s) => ({ path: s.path, origin: s.origin, via: s.via })),
    from: [],
  };
  if (ins.keyword === 'FROM' && base?.kind === 'image') {
    entry.baseImages.push({ ref: base.image.raw, canonical: base.image.canonical, mutable: base.image.mutable });
  } else if (ins.keyword === 'FROM' && base?.kind === 'stage') {
    entry.stages.push(stageRef(base.stage));
  }
  const refs = uniqueFromRefs(analyzed);
  entry.from = refs.map(fromImport);
  for (const ref of refs) if (ref.kind === 'stage') entry.stages.push(stageRef(ref.stage));
  if (ins.keyword === 'ONBUILD') entry.onbuild = true;
  const imports = ins.keyword === 'FROM' || entry.copySources.length > 0 || entry.from.length > 0;
  return imports ? entry : undefined;
}

function uniqueFromRefs(analyzed: AnalyzedInstruction): FromReference[] {
  const seen = new Map<string, FromReference>();
  const all = [...analyzed.sources.map((s) => s.from), ...analyzed.mounts.map((m) => m.from)];
  for (const ref of all) if (ref && !seen.has(ref.raw)) seen.set(ref.raw, ref);
  return [...seen.values()];
}

function fromImport(ref: FromReference): DockerFromImport {
  if (ref.kind === 'stage') return { raw: ref.raw, kind: 'stage', stage: ref.stage };
  return { raw: ref.raw, kind: 'image', image: ref.image.canonical, mutable: ref.image.mutable };
}
