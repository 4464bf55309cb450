/**
 * Types of the Dockerfile analysis layer. Types only: no code here.
 *
 * Everything is plain JSON-serializable data so that results can cross a worker boundary
 * (piscina) and be cached on disk without a custom serializer.
 */
import type { Diagnostic, WorkspacePath } from '../types';

/** Stable codes of every problem the Dockerfile analysis reports. Never renamed once shipped. */
export type DockerfileDiagnosticCode =
  | 'DOCKERFILE_UNKNOWN_INSTRUCTION'
  | 'DOCKERFILE_UNTERMINATED_HEREDOC'
  | 'DOCKERFILE_NO_FROM'
  | 'DOCKERFILE_INSTRUCTION_BEFORE_FROM'
  | 'DOCKERFILE_INVALID_DIRECTIVE'
  | 'DOCKERFILE_DUPLICATE_DIRECTIVE'
  | 'DOCKERFILE_EMPTY_CONTINUATION'
  | 'DOCKERFILE_MISSING_ARGUMENTS'
  | 'DOCKERFILE_INVALID_SYNTAX'
  | 'DOCKERFILE_BAD_SUBSTITUTION'
  | 'DOCKERFILE_INVALID_STAGE_REFERENCE'
  | 'DOCKERFILE_DUPLICATE_STAGE'
  | 'DOCKERFILE_INVALID_ONBUILD'
  | 'DOCKER_COPY_SOURCE_MISSING';

/** Codes of problems found in a `.dockerignore` file. */
export type DockerignoreDiagnosticCode = 'DOCKERIGNORE_BAD_PATTERN' | 'DOCKERIGNORE_UNREADABLE';

/**
 * A located problem. `error` means Docker itself would refuse the build; `warning` means
 * Docker builds it but the result is probably not what the author meant.
 */
export interface DockerfileDiagnostic extends Diagnostic {
  code: DockerfileDiagnosticCode | DockerignoreDiagnosticCode;
  /** 1-based line; always known for Dockerfile problems. */
  line: number;
  severity: 'error' | 'warning';
}

/** A parser directive from the top of the file, e.g. `# syntax=docker/dockerfile:1`. */
export interface ParserDirective {
  /** Lower-cased name: `escape`, `syntax` or `check`. */
  name: 'escape' | 'syntax' | 'check';
  value: string;
  line: number;
}

/** A builder flag such as `--from=build`, `--link` (no value) or `--mount=type=cache,...`. */
export interface DockerFlag {
  /** Name without the dashes, e.g. `from`. */
  name: string;
  /** Raw value after `=` (quotes removed, variables NOT expanded); `undefined` for `--link`. */
  value?: string;
}

/** One here-document attached to a RUN/COPY/ADD instruction. */
export interface DockerHeredoc {
  /** Delimiter with quotes removed, e.g. `EOF` for `<<"EOF"`. */
  name: string;
  /** `false` when any part of the delimiter was quoted: the body is then used verbatim. */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from body lines and from the terminator. */
  chomp: boolean;
  /** File descriptor prefix (`3<<EOF`), 0 when absent. */
  fd: number;
  /** Body, lines joined with `\n`, each ending with `\n`; tabs already stripped for `<<-`. */
  content: string;
  /** Line of the first body line (1-based). */
  startLine: number;
  /** Line of the terminator; for an unterminated heredoc, the last body line. */
  endLine: number;
  terminated: boolean;
}

/** How the arguments of an instruction were written. */
export type InstructionForm = 'exec' | 'shell';

/**
 * One instruction, with its exact place in the file.
 *
 * @example `COPY --from=build /app/dist ./dist` on line 7 gives
 * `{ keyword: 'COPY', startLine: 7, endLine: 7, flags: [{ name: 'from', value: 'build' }],
 *    form: 'shell', words: ['/app/dist', './dist'], text: '/app/dist ./dist', ... }`
 */
export interface DockerInstruction {
  /** Upper-cased keyword as written (`RUN`); unknown keywords too (`FOO`). */
  keyword: string;
  /** 1-based first line (the keyword's line). */
  startLine: number;
  /** 1-based last line, including continuation lines and heredoc bodies. */
  endLine: number;
  /** The logical line after the keyword: continuations joined, comment lines removed. */
  args: string;
  flags: DockerFlag[];
  /** `args` without the leading flags, trimmed. */
  text: string;
  /** `exec` for a valid JSON array (RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD, VOLUME). */
  form: InstructionForm;
  /**
   * The argument words: JSON elements in exec form; otherwise the words as Docker splits
   * them for this keyword (quotes kept, variables not expanded). For ENV/LABEL see `pairs`.
   */
  words: string[];
  /** ENV, LABEL and ARG: key/value pairs (values raw: quotes kept, not expanded). */
  pairs?: Array<{ key: string; value?: string }>;
  heredocs: DockerHeredoc[];
  /** ONBUILD: the trigger instruction, parsed (same lines as the ONBUILD). */
  trigger?: DockerInstruction;
}

/** The syntactic result of {@link parseDockerfile}. */
export interface ParsedDockerfile {
  file: WorkspacePath;
  /** `\` or `` ` `` (from `# escape=`). */
  escapeChar: string;
  directives: ParserDirective[];
  instructions: DockerInstruction[];
  diagnostics: DockerfileDiagnostic[];
}

/**
 * A parsed image reference, e.g. `ghcr.io/acme/base:1.2@sha256:...`.
 * `mutable` is true when there is no digest: the tag may move, so the build is not
 * reproducible from the Dockerfile alone.
 */
export interface ImageReference {
  /** As written after variable substitution. */
  raw: string;
  /** Registry host (with port) when written, e.g. `ghcr.io`, `localhost:5000`. */
  registry?: string;
  /** Repository path without registry, e.g. `acme/base`, `node`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** Fully qualified name Docker would pull, e.g. `docker.io/library/node:20`. */
  canonical: string;
  mutable: boolean;
  /** False when the text is not a valid reference (e.g. contains unresolved `${...}` leftovers). */
  valid: boolean;
}

/** What a `--from=` (COPY or RUN --mount) names: an earlier stage or an image. */
export type FromReference =
  { kind: 'stage'; raw: string; stage: number; name?: string } | { kind: 'image'; raw: string; image: ImageReference };

/** The base of a stage. */
export type StageBase =
  { kind: 'scratch' } | { kind: 'stage'; stage: number; name?: string } | { kind: 'image'; image: ImageReference };

/**
 * A source of COPY/ADD or of a bind mount.
 * `origin` says where its bytes come from; only `context` sources are build-context inputs.
 */
export interface DockerSource {
  /**
   * For `context`: the path relative to the context root, cleaned (`./src/` → `src`,
   * `/etc/x` → `etc/x`, `.` → `.`), possibly a glob (Go `filepath.Match` per segment).
   * For `stage`/`image`: the path inside that stage/image. For `url`/`git`: the URL.
   * For `heredoc`: the heredoc name.
   */
  path: string;
  origin: 'context' | 'stage' | 'image' | 'url' | 'git' | 'heredoc';
  /** Set for `stage`/`image` origins. */
  from?: FromReference;
  /** True when `path` contains glob metacharacters (`*`, `?`, `[`). */
  glob: boolean;
  /** `COPY --exclude=` patterns (expanded), relative to the context like `path`. */
  excludes: string[];
  /** `copy`/`add` for COPY/ADD, `bind` for `RUN --mount=type=bind`. */
  via: 'copy' | 'add' | 'bind';
  line: number;
}

/** One `RUN --mount=...`. */
export interface RunMount {
  type: 'bind' | 'cache' | 'secret' | 'ssh' | 'tmpfs' | string;
  target?: string;
  /** Source path (expanded); for bind mounts defaults to `.` (the whole `from`). */
  source?: string;
  from?: FromReference;
  /** `id=` of cache/secret/ssh mounts. */
  id?: string;
  /** All options after expansion, e.g. `{ type: 'cache', target: '/root/.npm', sharing: 'locked' }`. */
  options: Record<string, string>;
  line: number;
}

/** A declared build argument. */
export interface ArgDeclaration {
  name: string;
  /** Default as written (raw, not expanded); undefined for `ARG NAME`. */
  defaultValue?: string;
  /** Value used for substitution: override, inherited global value or expanded default. */
  value?: string;
  /** True for ARGs before the first FROM (only usable in FROM lines unless redeclared). */
  global: boolean;
  line: number;
}

/** Analysis of one instruction inside the model. */
export interface AnalyzedInstruction {
  instruction: DockerInstruction;
  /** Index of the stage it belongs to; -1 for instructions before the first FROM. */
  stage: number;
  /** COPY/ADD sources and bind-mount sources, classified. Empty for other instructions. */
  sources: DockerSource[];
  mounts: RunMount[];
  /** Variables referenced in the arguments (substituted ones and, for RUN, shell `$X` uses). */
  variables: string[];
  /** Of `variables`, those that are build args in scope at this instruction. */
  buildArgs: string[];
  /** Arguments after variable substitution, for the instructions Docker substitutes. */
  expandedWords?: string[];
}

/** One build stage (`FROM ... [AS name]`). */
export interface DockerStage {
  index: number;
  /** Lower-cased stage name; Docker compares stage names case-insensitively. */
  name?: string;
  /** The `FROM` line. */
  line: number;
  /** Last line of the stage (the line before the next FROM, or the file's last instruction). */
  endLine: number;
  /** The base after substitution of global ARGs. */
  base: StageBase;
  /** `--platform=` after substitution. */
  platform?: string;
  /** ARGs declared in this stage. */
  args: ArgDeclaration[];
}

/** An image the build pulls: a FROM base or a `--from=` naming an image. */
export interface ExternalImageUse {
  image: ImageReference;
  line: number;
  via: 'from' | 'copy' | 'mount';
  stage: number;
}

/**
 * The semantic model of a Dockerfile, built from a {@link ParsedDockerfile}.
 *
 * What the Nx plugin reads from it:
 * - `contextSources`: the build-context inputs (feed them with a file list to
 *   `reachableContextFiles`);
 * - `externalImages` (and `mutable`): base images to name in inputs/metadata;
 * - `buildArgs`: declared ARG names whose values may come from `--build-arg`/environment;
 * - `stages[i].base.kind === 'stage'` and `FromReference.kind === 'stage'`: intra-file edges.
 */
export interface DockerfileModel {
  file: WorkspacePath;
  escapeChar: string;
  /** Value of `# syntax=` if any. */
  syntax?: string;
  stages: DockerStage[];
  globalArgs: ArgDeclaration[];
  instructions: AnalyzedInstruction[];
  /** Every `context` source of every stage (ONBUILD triggers excluded: they run elsewhere). */
  contextSources: DockerSource[];
  /** Every external (url/git) ADD source. */
  externalSources: DockerSource[];
  externalImages: ExternalImageUse[];
  /** All declared ARG names (global and per stage), sorted, deduplicated. */
  buildArgs: string[];
  diagnostics: DockerfileDiagnostic[];
}

/** Options of {@link buildDockerfileModel}. */
export interface DockerfileModelOptions {
  /** `--build-arg` values; they override defaults of declared ARGs only, as in Docker. */
  buildArgs?: Record<string, string>;
}
