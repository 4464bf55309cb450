import type { ExtractResult, ImportKind, RawImport } from '../types';
import { Lexer, Tok } from './lexer';
import { extractReferences } from './extract-references';

export interface ExtractOptions {
  /** Parse JSX (TypeScript does so for .tsx/.jsx/.js/.mjs/.cjs, not for .ts/.mts/.cts). */
  jsx: boolean;
  /** A declaration file (.d.ts): every import in it is type-only. */
  declaration: boolean;
}

const CH_LPAREN = 40;
const CH_RPAREN = 41;
const CH_STAR = 42;
const CH_COMMA = 44;
const CH_DOT = 46;
const CH_EQ = 61;
const CH_LBRACE = 123;
const CH_RBRACE = 125;

/** Members of the Promise an `import()` returns; any other `.x` after it makes it a type query. */
const PROMISE_MEMBERS = new Set(['then', 'catch', 'finally']);

/**
 * Extracts the import specifiers of one JS/TS source text. Never throws: a file that does
 * not lex yields what was found plus one `TS_PARSE_ERROR` diagnostic.
 */
export function extractImports(text: string, options: ExtractOptions): ExtractResult {
  const extractor = new ImportExtractor(text, options);
  extractor.run();
  const imports = [...extractReferences(text), ...extractor.imports];
  const problem = extractor.lex.problem;
  const diagnostics = problem ? [{ line: problem.line, code: 'TS_PARSE_ERROR', message: problem.message }] : [];
  return { imports, diagnostics };
}

/** Token-level recognizer of import forms. Each `on*` handler leaves the lexer on a token the main loop re-examines. */
class ImportExtractor {
  readonly lex: Lexer;
  readonly imports: RawImport[] = [];

  constructor(
    text: string,
    private readonly options: ExtractOptions,
  ) {
    this.lex = new Lexer(text, options.jsx);
  }

  run(): void {
    const lex = this.lex;
    lex.next();
    while (lex.tok !== Tok.EOF) {
      if (lex.tok === Tok.Ident && !lex.afterDot) {
        const first = lex.text.charCodeAt(lex.tokStart);
        if (first === 105 && lex.isWord('import')) {
          this.onImport();
          continue;
        }
        if (first === 101 && lex.isWord('export')) {
          this.onExport();
          continue;
        }
        if (first === 114 && lex.isWord('require')) {
          this.onRequireCall('require');
          continue;
        }
      }
      lex.next();
    }
  }

  private record(specifier: string, kind: ImportKind, line: number): void {
    this.imports.push({ specifier, kind: this.options.declaration ? 'type' : kind, line });
  }

  private isPunct(c: number): boolean {
    return this.lex.tok === Tok.Punct && this.lex.punct === c;
  }

  private isWord(word: string): boolean {
    return this.lex.tok === Tok.Ident && this.lex.isWord(word);
  }

  private isSpecifierToken(allowTemplate: boolean): boolean {
    return this.lex.tok === Tok.String || (allowTemplate && this.lex.tok === Tok.NoSubTemplate);
  }

  private onImport(): void {
    const lex = this.lex;
    const typeQuery = lex.afterTypeof;
    lex.next();
    if (this.isPunct(CH_LPAREN)) return this.onImportCall(typeQuery);
    if (lex.tok === Tok.String) {
      this.record(lex.stringValue, 'static', lex.tokLine);
      lex.next();
      return;
    }
    let typeOnly = false;
    if (this.isWord('type')) {
      lex.next();
      if (this.isWord('from')) return this.onFromClause('static'); // `import type from 'x'`: a default import named `type`
      typeOnly = lex.tok === Tok.Ident || this.isPunct(CH_LBRACE) || this.isPunct(CH_STAR);
    }
    this.onImportClause(typeOnly);
  }

  /** `import("x")`: dynamic, or a type query when written as `typeof import("x")` / `import("x").T`. */
  private onImportCall(typeQuery: boolean): void {
    const lex = this.lex;
    lex.next();
    if (!this.isSpecifierToken(true)) return;
    const specifier = lex.stringValue;
    const line = lex.tokLine;
    lex.next();
    if (this.isPunct(CH_COMMA)) return this.record(specifier, typeQuery ? 'type' : 'dynamic', line);
    if (!this.isPunct(CH_RPAREN)) return;
    lex.next();
    let kind: ImportKind = typeQuery ? 'type' : 'dynamic';
    if (this.isPunct(CH_DOT)) {
      lex.next();
      if (lex.tok === Tok.Ident && !PROMISE_MEMBERS.has(lex.value)) kind = 'type';
    }
    this.record(specifier, kind, line);
  }

  private onImportClause(typeOnly: boolean): void {
    const lex = this.lex;
    const kind: ImportKind = typeOnly ? 'type' : 'static';
    if (lex.tok === Tok.Ident) {
      lex.next();
      if (this.isPunct(CH_EQ)) {
        lex.next();
        if (this.isWord('require') && !lex.afterDot) this.onRequireCall(kind);
        return;
      }
      if (this.isWord('from')) return this.onFromClause(kind);
      if (this.isPunct(CH_COMMA)) lex.next();
      else if (lex.tok === Tok.Ident) {
        // A phase modifier: `import source x from 'y'`, `import defer * as ns from 'y'`.
        lex.next();
        if (this.isWord('from')) return this.onFromClause(kind);
      }
    }
    if (this.isPunct(CH_LBRACE)) {
      const allTypes = this.onNamedBindings();
      if (this.isWord('from')) this.onFromClause(typeOnly || allTypes ? 'type' : 'static');
    } else if (this.isPunct(CH_STAR)) this.onNamespace(kind);
  }

  /** `* as ns from 'x'` (after `import` or `export`); `export * from 'x'` too. */
  private onNamespace(kind: ImportKind): void {
    const lex = this.lex;
    lex.next();
    if (this.isWord('as')) {
      lex.next();
      if (lex.tok !== Tok.Ident && lex.tok !== Tok.String) return;
      lex.next();
    }
    if (this.isWord('from')) this.onFromClause(kind);
  }

  /**
   * Skips `{ a, type B, c as d }`; true when every element is `type`-only, which makes the whole
   * declaration type-only (TypeScript elides it unless `verbatimModuleSyntax` keeps `import {}`).
   */
  private onNamedBindings(): boolean {
    const lex = this.lex;
    let elements = 0;
    let typed = 0;
    let words: string[] = [];
    for (;;) {
      lex.next();
      if (lex.tok === Tok.Ident || lex.tok === Tok.String) {
        if (words.length < 4) words.push(lex.tok === Tok.Ident ? lex.value : '"');
        continue;
      }
      const end = this.isPunct(CH_RBRACE);
      if (!end && !this.isPunct(CH_COMMA)) return false;
      if (words.length > 0) {
        elements++;
        if (words[0] === 'type' && words.length >= 2 && !(words[1] === 'as' && words.length === 3)) typed++;
      }
      words = [];
      if (end) {
        lex.next();
        return elements > 0 && typed === elements;
      }
    }
  }

  private onFromClause(kind: ImportKind): void {
    const lex = this.lex;
    lex.next();
    if (lex.tok !== Tok.String) return;
    this.record(lex.stringValue, kind, lex.tokLine);
    lex.next();
  }

  private onExport(): void {
    const lex = this.lex;
    lex.next();
    let typeOnly = false;
    if (this.isWord('type')) {
      lex.next();
      if (!this.isPunct(CH_LBRACE) && !this.isPunct(CH_STAR)) return; // `export type X = ...`
      typeOnly = true;
    }
    if (this.isPunct(CH_LBRACE)) {
      const allTypes = this.onNamedBindings();
      if (this.isWord('from')) this.onFromClause(typeOnly || allTypes ? 'type' : 'static');
    } else if (this.isPunct(CH_STAR)) this.onNamespace(typeOnly ? 'type' : 'static');
    // `export import x = require('y')`: the main loop sees `import` next.
  }

  /** `require("x")` with a single literal argument; the current token is `require`. */
  private onRequireCall(kind: ImportKind): void {
    const lex = this.lex;
    lex.next();
    if (!this.isPunct(CH_LPAREN)) return;
    lex.next();
    if (!this.isSpecifierToken(true)) return;
    const specifier = lex.stringValue;
    const line = lex.tokLine;
    lex.next();
    if (this.isPunct(CH_RPAREN)) this.record(specifier, kind, line);
  }
}
