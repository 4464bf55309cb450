/**
 * Docker's variable scoping for ARG and ENV:
 * - ARGs before the first FROM are global and visible only in FROM lines;
 * - inside a stage an ARG must be (re)declared; `ARG X` without a default takes the
 *   `--build-arg` override or else the global ARG's value;
 * - `--build-arg` overrides apply to declared ARGs only;
 * - ENV beats an ARG of the same name, and a stage built FROM another stage inherits its ENV.
 */
import { expandWord, type Expansion, type VariableLookup } from './expand';
import type { ArgDeclaration, DockerInstruction } from './types';

/** Variables in scope at one point of the file. */
export interface Scope {
  /** ENV values, in the stage (empty for the global scope). */
  env: Map<string, string>;
  /** Declared ARGs: value, or undefined when declared without a value. */
  args: Map<string, string | undefined>;
}

/** A fresh, empty scope. */
export function emptyScope(): Scope {
  return { env: new Map(), args: new Map() };
}

/** Lookup function for {@link expandWord}: ENV first, then ARG. */
export function scopeLookup(scope: Scope): VariableLookup {
  return (name) => (scope.env.has(name) ? scope.env.get(name) : scope.args.get(name));
}

/** Expands one word in a scope. */
export function expandIn(scope: Scope, word: string, escapeChar: string): Expansion {
  return expandWord(word, scopeLookup(scope), escapeChar);
}

/** Inputs of {@link declareArgs}. */
export interface DeclareArgsInput {
  ins: DockerInstruction;
  scope: Scope;
  /** Global ARG values (for redeclaration inside a stage); undefined when declaring globals. */
  globals?: ReadonlyMap<string, string | undefined>;
  overrides: Readonly<Record<string, string>>;
  escapeChar: string;
  onExpansion: (expansion: Expansion) => void;
}

/** Applies one ARG instruction to `scope` and returns its declarations. */
export function declareArgs(input: DeclareArgsInput): ArgDeclaration[] {
  const { ins, scope, globals, overrides, escapeChar } = input;
  const declarations: ArgDeclaration[] = [];
  for (const pair of ins.pairs ?? []) {
    let value: string | undefined;
    if (Object.prototype.hasOwnProperty.call(overrides, pair.key)) {
      value = overrides[pair.key];
    } else if (pair.value !== undefined) {
      const expansion = expandIn(scope, pair.value, escapeChar);
      input.onExpansion(expansion);
      value = expansion.value;
    } else if (globals?.has(pair.key)) {
      value = globals.get(pair.key);
    }
    scope.args.set(pair.key, value);
    const declaration: ArgDeclaration = { name: pair.key, global: globals === undefined, line: ins.startLine };
    if (pair.value !== undefined) declaration.defaultValue = pair.value;
    if (value !== undefined) declaration.value = value;
    declarations.push(declaration);
  }
  return declarations;
}

/**
 * Applies one ENV instruction. Every value of one instruction is expanded against the scope
 * as it was before the instruction (`ENV a=1 b=$a` uses the old `a`), as Docker documents.
 */
export function applyEnv(
  ins: DockerInstruction,
  scope: Scope,
  escapeChar: string,
  onExpansion: (e: Expansion) => void,
): void {
  const before: Scope = { env: new Map(scope.env), args: scope.args };
  for (const pair of ins.pairs ?? []) {
    const expansion = expandIn(before, pair.value ?? '', escapeChar);
    onExpansion(expansion);
    scope.env.set(pair.key, expansion.value);
  }
}
