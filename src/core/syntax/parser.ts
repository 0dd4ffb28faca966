/**
 * The grammar of `.cnn` as a chevrotain CstParser: syntax only, no semantics.
 * One parser instance serves every input (chevrotain's advice: building one is
 * costly, resetting `input` is cheap). Error recovery is on, so a broken line
 * yields a partial tree plus errors, never an exception.
 */
import { CstParser, tokenMatcher, type CstNode, type IParserErrorMessageProvider, type TokenType, type IToken } from 'chevrotain';
import { TooManySyntaxErrors } from './parseLimits';
import * as t from './tokens';

const readableNames: Record<string, string> = {
  LParen: "'('",
  RParen: "')'",
  LCurly: "'{'",
  RCurly: "'}'",
  Comma: "','",
  Colon: "':'",
  Equals: "'='",
  Arrow: "'->'",
  Semicolon: "';'",
  Newline: 'a new line',
  Identifier: 'a name',
  NumberLiteral: 'a number',
  ShapeLiteral: 'a shape such as 3x224x224',
  StringLiteral: 'a string',
  EOF: 'the end of the file',
};

function describeType(type: TokenType): string {
  return readableNames[type.name] ?? `'${String(type.PATTERN).replace(/^\/|\/$/g, '')}'`;
}

function describeFound(token: IToken): string {
  if (token.tokenType.name === 'EOF') return 'the end of the file';
  if (token.tokenType === t.Newline) return 'the end of the line';
  if (token.tokenType === t.UnterminatedString) return `a string with no closing quote (${token.image})`;
  return `'${token.image}'`;
}

/** Messages a person can act on, instead of chevrotain's token-type dumps. */
const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `Expected ${describeType(expected)} but found ${describeFound(actual)}.`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `Unexpected ${describeFound(firstRedundant)}: only 'network' and 'block' definitions may appear at the top level.`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const firsts = new Set<string>();
    for (const paths of expectedPathsPerAlt) for (const path of paths) if (path[0]) firsts.add(describeType(path[0]));
    const what = ruleFriendlyNames[ruleName] ?? ruleName;
    const options = [...firsts].slice(0, 6).join(', ');
    return `Expected ${what}${options ? ` (${options})` : ''} but found ${describeFound(actual[0])}.`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const firsts = expectedIterationPaths.map((path) => (path[0] ? describeType(path[0]) : '?'));
    return `Expected ${ruleFriendlyNames[ruleName] ?? ruleName} (${firsts.join(', ')}) but found ${describeFound(actual[0])}.`;
  },
};

const ruleFriendlyNames: Record<string, string> = {
  file: "a 'network' or 'block' definition",
  statement: 'a layer, block call, repeat, residual or concat',
  expression: 'a value',
  shapeSpec: 'a shape',
  topLevel: "a 'network' or 'block' definition",
};

/** How far the recovery inside a repetition looks for a token to resume at (see `tryInRepetitionRecovery`). */
const resyncWindow = 256;

export class CnnParser extends CstParser {
  /**
   * Past this many errors the parse stops with `TooManySyntaxErrors`. Each
   * error recovered costs more than the one before (recovery inside a
   * repetition re-enters it), so a file of thousands of errors would otherwise
   * take minutes, or exhaust the stack; no one reads past the first hundred.
   */
  errorLimit = Infinity;

  /** Chevrotain's hook for every error it records. */
  SAVE_ERROR(error: Error): Error {
    const saved = (CstParser.prototype as unknown as { SAVE_ERROR(e: Error): Error }).SAVE_ERROR.call(this, error);
    if ((this as unknown as { _errors: unknown[] })._errors.length > this.errorLimit) throw new TooManySyntaxErrors();
    return saved;
  }

  /** Set just before chevrotain's recovery inside a repetition, whose first step is the search for a resume point. */
  private boundNextResyncSearch = false;

  /**
   * Chevrotain's recovery inside a repetition (tryInRepetitionRecovery) looks
   * ahead for a token to resume at, and undoes the look when it cannot resume
   * there. Unbounded, that search can read to the end of the file at every
   * broken statement, which makes a file of errors quadratic; here it reads
   * at most `resyncWindow` tokens, and past them gives the recovery up (the
   * enclosing rule's recovery, which consumes what it skips, takes over).
   */
  tryInRepetitionRecovery(...args: unknown[]): void {
    this.boundNextResyncSearch = true;
    (CstParser.prototype as unknown as { tryInRepetitionRecovery(...a: unknown[]): void }).tryInRepetitionRecovery.apply(this, args);
  }

  /** Chevrotain's search for a token to resume at after an error (see `tryInRepetitionRecovery`). */
  findReSyncTokenType(): TokenType {
    const bounded = this.boundNextResyncSearch;
    this.boundNextResyncSearch = false;
    const self = this as unknown as { flattenFollowSet(): TokenType[]; LA(k: number): IToken };
    const candidates = self.flattenFollowSet();
    for (let k = 1; ; k++) {
      const next = self.LA(k);
      const found = candidates.find((type) => tokenMatcher(next, type));
      if (found) return found;
      // The token there then stands as the resume point: the search ends at the first token of its type, and the recovery is undone.
      if (bounded && k >= resyncWindow) return next.tokenType;
    }
  }

  constructor() {
    super(t.allTokens, { recoveryEnabled: true, nodeLocationTracking: 'none', errorMessageProvider: errorMessages, maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  public file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.separator) }, { ALT: () => this.SUBRULE(this.network) }, { ALT: () => this.SUBRULE(this.blockDefinition) }]);
    });
  });

  private separator = this.RULE('separator', () => {
    this.OR([{ ALT: () => this.CONSUME(t.Newline) }, { ALT: () => this.CONSUME(t.Semicolon) }]);
  });

  private network = this.RULE('network', () => {
    this.CONSUME(t.Network);
    this.CONSUME(t.Identifier);
    this.SUBRULE(this.body);
  });

  private blockDefinition = this.RULE('blockDefinition', () => {
    this.CONSUME(t.Block);
    this.CONSUME(t.Identifier);
    this.OPTION(() => {
      this.CONSUME(t.LParen);
      this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.parameter) });
      this.CONSUME(t.RParen);
    });
    this.SUBRULE(this.body);
  });

  private parameter = this.RULE('parameter', () => {
    this.CONSUME(t.Identifier);
    this.OPTION(() => {
      this.CONSUME(t.Equals);
      this.SUBRULE(this.expression);
    });
  });

  private body = this.RULE('body', () => {
    this.CONSUME(t.LCurly);
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.separator) }, { ALT: () => this.SUBRULE(this.statement) }]);
    });
    this.CONSUME(t.RCurly);
  });

  // The kind of statement is chosen here rather than in a rule of its own: one
  // CST node less per statement, which is a tenth of the parse of a long file.
  private statement = this.RULE('statement', () => {
    this.OPTION(() => {
      this.CONSUME(t.Identifier, { LABEL: 'label' });
      this.CONSUME(t.Colon);
    });
    this.OR([
      { ALT: () => this.SUBRULE(this.repeatStatement) },
      { ALT: () => this.SUBRULE(this.residualStatement) },
      { ALT: () => this.SUBRULE(this.concatStatement) },
      {
        // A layer or block call, inline for the same reason.
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME2(t.Identifier, { LABEL: 'name' }) }, { ALT: () => this.CONSUME(t.Input, { LABEL: 'name' }) }]);
          this.OPTION3(() => this.SUBRULE(this.argumentList));
        },
      },
    ]);
    this.OPTION2(() => {
      this.CONSUME(t.Arrow);
      this.SUBRULE(this.shapeSpec);
    });
  });

  private repeatStatement = this.RULE('repeatStatement', () => {
    this.CONSUME(t.Repeat);
    this.CONSUME(t.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(t.RParen);
    this.SUBRULE(this.body);
  });

  private residualStatement = this.RULE('residualStatement', () => {
    this.CONSUME(t.Residual);
    this.SUBRULE(this.body);
    this.OPTION(() => {
      this.CONSUME(t.Shortcut);
      this.SUBRULE2(this.body, { LABEL: 'shortcutBody' });
    });
  });

  private concatStatement = this.RULE('concatStatement', () => {
    this.CONSUME(t.Concat);
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(t.LCurly);
            this.MANY(() => {
              this.OR2([{ ALT: () => this.SUBRULE(this.separator) }, { ALT: () => this.SUBRULE(this.branch) }]);
            });
            this.CONSUME(t.RCurly);
          },
        },
        { ALT: () => this.SUBRULE(this.argumentList) },
      ]);
    });
  });

  private branch = this.RULE('branch', () => {
    this.CONSUME(t.Branch);
    this.SUBRULE(this.body);
  });

  // Arguments are inline too: a `key =` belongs to the value after it (buildAst.ts pairs them by position).
  private argumentList = this.RULE('argumentList', () => {
    this.CONSUME(t.LParen);
    this.MANY_SEP({
      SEP: t.Comma,
      DEF: () => {
        this.OPTION(() => {
          this.CONSUME(t.Identifier, { LABEL: 'keys' });
          this.CONSUME(t.Equals);
        });
        this.SUBRULE(this.expression, { LABEL: 'values' });
      },
    });
    this.CONSUME(t.RParen);
  });

  private shapeSpec = this.RULE('shapeSpec', () => {
    this.OR([{ ALT: () => this.CONSUME(t.ShapeLiteral) }, { ALT: () => this.CONSUME(t.NumberLiteral) }, { ALT: () => this.CONSUME(t.Question) }]);
  });

  /**
   * An arithmetic expression as a flat run of operands and operators, each
   * operand with an optional leading minus; precedence is applied when the AST
   * is built (buildAst.ts). Keeping operands inline instead of in rules of
   * their own (term, unary, primary) makes the tree of `conv(64, 3, stride=2)`
   * about half as big, and parsing is mostly building that tree. The operand
   * is written out twice because chevrotain numbers each DSL call site.
   */
  private expression = this.RULE('expression', () => {
    this.OPTION(() => this.CONSUME(t.Minus, { LABEL: 'signs' }));
    this.OR([
      { ALT: () => this.CONSUME(t.NumberLiteral, { LABEL: 'atoms' }) },
      { ALT: () => this.CONSUME(t.ShapeLiteral, { LABEL: 'atoms' }) },
      { ALT: () => this.CONSUME(t.StringLiteral, { LABEL: 'atoms' }) },
      {
        ALT: () => {
          this.CONSUME(t.Identifier, { LABEL: 'atoms' });
          // A function call such as min(a, b) or divisible(v, 8, min=16) (v1.1): arguments as a layer's, keywords included.
          this.OPTION3(() => this.SUBRULE3(this.argumentList, { LABEL: 'callArgs' }));
        },
      },
      { ALT: () => this.CONSUME(t.True, { LABEL: 'atoms' }) },
      { ALT: () => this.CONSUME(t.False, { LABEL: 'atoms' }) },
      { ALT: () => this.SUBRULE(this.parenthesized, { LABEL: 'groups' }) },
    ]);
    this.MANY(() => {
      this.OR2([
        { ALT: () => this.CONSUME(t.Plus, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME2(t.Minus, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(t.Star, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(t.Slash, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(t.FloorDiv, { LABEL: 'operators' }) },
      ]);
      this.OPTION2(() => this.CONSUME3(t.Minus, { LABEL: 'signs' }));
      this.OR3([
        { ALT: () => this.CONSUME2(t.NumberLiteral, { LABEL: 'atoms' }) },
        { ALT: () => this.CONSUME2(t.ShapeLiteral, { LABEL: 'atoms' }) },
        { ALT: () => this.CONSUME2(t.StringLiteral, { LABEL: 'atoms' }) },
        {
          ALT: () => {
            this.CONSUME2(t.Identifier, { LABEL: 'atoms' });
            this.OPTION4(() => this.SUBRULE4(this.argumentList, { LABEL: 'callArgs' }));
          },
        },
        { ALT: () => this.CONSUME2(t.True, { LABEL: 'atoms' }) },
        { ALT: () => this.CONSUME2(t.False, { LABEL: 'atoms' }) },
        { ALT: () => this.SUBRULE2(this.parenthesized, { LABEL: 'groups' }) },
      ]);
    });
  });

  /** `(expr)` or a tuple `(a, b)`. */
  private parenthesized = this.RULE('parenthesized', () => {
    this.CONSUME(t.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.expression) });
    this.CONSUME(t.RParen);
  });
}

let built: CnnParser | undefined;

/**
 * The single shared parser instance, built on the first call: building it
 * (chevrotain's self-analysis of the grammar) costs tens of milliseconds,
 * and only a file with a syntax error needs it (valid files are read by
 * validParser.ts). Typed as possibly absent because the preview builds
 * parse.ts against a stand-in that loads this module later
 * (webview/src/lazyParser.ts) and has no parser until then; this one always
 * returns it.
 */
export function errorParser(): CnnParser | undefined {
  built ??= new CnnParser();
  return built;
}

/** Exposed for the railroad-diagram generator in `grammars/`. */
export function grammarProductions() {
  return errorParser()!.getSerializedGastProductions();
}

export type { CstNode };
