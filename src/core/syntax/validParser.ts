/**
 * The grammar of parser.ts read by hand, straight into the AST, for token
 * streams without a syntax error: the common case, and the one a megabyte
 * file makes slow, since chevrotain builds a concrete tree of a dozen objects
 * per statement and buildAst.ts walks it again. At the first token the grammar
 * does not allow, it gives up, and `parse` runs chevrotain from the declaration
 * that holds it, whose error recovery and messages are the language's; so this
 * parser only ever has to agree with chevrotain on valid input. It builds what buildAst.ts builds from
 * chevrotain's tree, object for object (the same keys in the same order, the
 * same ranges, the same diagnostics in the same order); a test compares the
 * two on every example, every golden file and thousands of edits of them.
 *
 * Each rule below names the rule of parser.ts it reads; its lookahead is
 * chevrotain's (one token, two where a name may be a label or a key).
 */
import type { IRecognitionException, TokenType } from 'chevrotain';
import type { Diagnostic, Position, Range } from '../diagnostics';
import type * as ast from './ast';
import { atomOf, foldOperators, joinRange, maxExpressionDepth, negated, parseShapeText, positionAt, tooDeep, type Operator } from './buildAst';
import type { TokenList } from './tokenList';
import * as t from './tokens';

/** Thrown at the first token the grammar does not allow; caught in `parseValid`. */
const invalid = new (class InvalidSyntax {})();

/**
 * What the direct reading of a token stream got: everything, or the
 * declarations before the first syntax error. Chevrotain never revisits a
 * declaration it has finished (it reads the file's declarations in a loop,
 * looking at most two tokens ahead, never past a closing brace), so those are
 * what chevrotain would build too, and it needs to read only the tokens from
 * `end` on.
 */
export interface ValidReading {
  /** Whether the whole stream was read. */
  complete: boolean;
  /** How many tokens the declarations below cover (all of them when complete). */
  end: number;
  networks: ast.NetworkDecl[];
  blocks: ast.BlockDecl[];
  /** The problems found while building them (expressions nested too deep), in buildAst.ts's order. */
  problems: Diagnostic[];
  /** Chevrotain's errors in the windows it read (see `WindowReader`), in the file's order; none without a window reader. */
  errors: IRecognitionException[];
}

/** What chevrotain read of a window of a long declaration's body, in place of the direct reading (see windows.ts). */
export interface WindowReading {
  /** The statements of the window, as chevrotain reads them inside the whole declaration. */
  statements: ast.Statement[];
  /** Their problems, in buildAst.ts's order. */
  problems: Diagnostic[];
  /** Chevrotain's syntax errors in the window. */
  errors: IRecognitionException[];
  /** The token the direct reading resumes at: a separator, the declaration's closing brace, or the end (a declaration left unclosed). */
  end: number;
  /** Where a declaration left unclosed ends (its last token chevrotain kept). */
  declarationEnd?: Position;
}

/**
 * Reads the window of a declaration's body that starts with the statement at
 * token `from`, in which the direct reading found a syntax error at token
 * `failed`; `open` is the body's `{`, `errors` how many syntax errors the
 * windows before found. Undefined when the declaration is to be read whole by
 * chevrotain.
 */
export type WindowReader = (open: number, from: number, failed: number, errors: number) => WindowReading | undefined;

/**
 * Reads `tokens` straight into the AST, to the end or to the last declaration
 * before the first syntax error. With a window reader, a syntax error inside
 * a long declaration's body is read by it, and the direct reading goes on
 * after the window.
 */
export function parseValid(tokens: TokenList, readWindow?: WindowReader): ValidReading {
  const reader = new ValidReader(tokens, readWindow);
  try {
    reader.file();
  } catch (error) {
    if (error !== invalid) throw error;
    const kept = reader.kept;
    return {
      complete: false,
      end: kept.end,
      networks: reader.networks.slice(0, kept.networks),
      blocks: reader.blocks.slice(0, kept.blocks),
      problems: reader.root.slice(0, kept.problems),
      errors: reader.errors.slice(0, kept.errors),
    };
  }
  return { complete: true, end: tokens.length, networks: reader.networks, blocks: reader.blocks, problems: reader.root, errors: reader.errors };
}

class ValidReader {
  private index = 0;
  /** The depth of the expression `expression` or `parenthesized` returned last (see `expression`). */
  private expressionDepth = 0;
  readonly networks: ast.NetworkDecl[] = [];
  readonly blocks: ast.BlockDecl[] = [];
  /** The file's problems; `problems` is another list only while a part's are held back. */
  readonly root: Diagnostic[] = [];
  /** Where diagnostics go, in buildAst.ts's order (see `expression` and `blockDefinition`). */
  problems = this.root;
  /** Chevrotain's errors in the windows read so far. */
  readonly errors: IRecognitionException[] = [];
  /** What was read up to the end of the last whole declaration. */
  kept = { end: 0, networks: 0, blocks: 0, problems: 0, errors: 0 };
  /** How many bodies deep the reading is inside the current declaration. */
  private depth = 0;
  /** Where the declaration being read ends, when a window read it to the end of the file without a closing brace. */
  private unclosedEnd: Position | undefined;
  /** The token list's own lists (see tokenList.ts): a token is its index in them. */
  private readonly types: TokenType[];
  private readonly images: string[];
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly length: number;

  constructor(
    tokens: TokenList,
    private readonly readWindow?: WindowReader,
  ) {
    this.types = tokens.types;
    this.images = tokens.images;
    this.starts = tokens.starts;
    this.ends = tokens.ends;
    this.length = tokens.length;
  }

  private peek(): TokenType | undefined {
    return this.index < this.length ? this.types[this.index] : undefined;
  }

  /** Reads a token of `type` and gives its index. */
  private expect(type: TokenType): number {
    if (this.peek() !== type) throw invalid;
    return this.index++;
  }

  /** Where token `index` starts. */
  private startOf(index: number): Position {
    return positionAt(this.starts[index]);
  }

  /** Where token `index` ends (exclusive). */
  private endOf(index: number): Position {
    return positionAt(this.ends[index] + 1);
  }

  /** Token `index`'s range. */
  private rangeOf(index: number): Range {
    return { start: this.startOf(index), end: this.endOf(index) };
  }

  /** `file`: separators, networks and blocks, to the end. */
  file(): void {
    while (this.index < this.length) {
      const type = this.peek();
      if (type === t.Newline || type === t.Semicolon) this.index++;
      else if (type === t.Network) this.network();
      else if (type === t.Block) this.blockDefinition();
      else throw invalid;
      this.kept = { end: this.index, networks: this.networks.length, blocks: this.blocks.length, problems: this.root.length, errors: this.errors.length };
    }
  }

  private network(): void {
    const start = this.startOf(this.expect(t.Network));
    const name = this.expect(t.Identifier);
    const body = this.body();
    this.networks.push({ kind: 'network', name: this.images[name], nameRange: this.rangeOf(name), body, range: this.declarationRange(start) });
  }

  private blockDefinition(): void {
    const start = this.startOf(this.expect(t.Block));
    const name = this.expect(t.Identifier);
    // buildAst.ts builds the body before the parameters, so the parameters' diagnostics come after the body's.
    const outer = this.problems;
    const parameterProblems: Diagnostic[] = (this.problems = []);
    const params: ast.BlockParam[] = [];
    if (this.peek() === t.LParen) {
      this.index++;
      if (this.peek() === t.Identifier) {
        params.push(this.parameter());
        while (this.peek() === t.Comma) {
          this.index++;
          params.push(this.parameter());
        }
      }
      this.expect(t.RParen);
    }
    this.problems = outer;
    const body = this.body();
    for (const problem of parameterProblems) outer.push(problem);
    this.blocks.push({ kind: 'block', name: this.images[name], nameRange: this.rangeOf(name), params, body, range: this.declarationRange(start) });
  }

  /** A declaration's range: to its closing brace, or where a window found it ends without one. */
  private declarationRange(start: Position): Range {
    const end = this.unclosedEnd;
    this.unclosedEnd = undefined;
    return end ? { start, end } : this.rangeFrom(start);
  }

  private parameter(): ast.BlockParam {
    const name = this.expect(t.Identifier);
    let defaultValue: ast.Expr | undefined;
    if (this.peek() === t.Equals) {
      this.index++;
      defaultValue = this.boundedExpression();
    }
    return { name: this.images[name], range: this.rangeOf(name), defaultValue };
  }

  /**
   * `body`: `{`, separators and statements, `}`. In a declaration's own body
   * (not a nested one), a statement the grammar does not allow is handed
   * with what follows to the window reader, if there is one.
   */
  private body(): ast.Statement[] {
    const open = this.index;
    this.expect(t.LCurly);
    const windowed = this.depth++ === 0 ? this.readWindow : undefined;
    const statements: ast.Statement[] = [];
    try {
      for (;;) {
        const type = this.peek();
        const from = this.index;
        if (type === t.Newline || type === t.Semicolon) this.index++;
        else if (type === t.RCurly || (!windowed && !startsStatement(type))) break;
        else if (!windowed) statements.push(this.statement());
        else {
          const problems = this.problems;
          const problemCount = problems.length;
          try {
            if (!startsStatement(type)) throw invalid;
            statements.push(this.statement());
            continue;
          } catch (error) {
            if (error !== invalid) throw error;
            // What the statement's partial reading reported goes, as the statement does.
            this.problems = problems;
            problems.length = problemCount;
          }
          const window = windowed(open, from, this.index, this.errors.length);
          if (!window) throw invalid;
          for (const statement of window.statements) statements.push(statement);
          for (const problem of window.problems) this.problems.push(problem);
          for (const error of window.errors) this.errors.push(error);
          this.index = window.end;
          // Left unclosed: chevrotain read to the end of the file, and the declaration ends there.
          if (window.end >= this.length) {
            this.unclosedEnd = window.declarationEnd;
            return statements;
          }
        }
      }
      this.expect(t.RCurly);
      return statements;
    } finally {
      this.depth--;
    }
  }

  /**
   * `statement`: an optional label, what the statement is, an optional
   * assertion. Ranges that are equal share their objects (a statement without
   * label or assertion has its body's range; a call without arguments has its
   * name's): a megabyte file has hundreds of thousands of them, and the AST is
   * never changed in place.
   */
  private statement(): ast.Statement {
    const first = this.index;
    const start = this.startOf(first);
    let label: ast.Statement['label'] | undefined;
    if (this.types[first] === t.Identifier && this.index + 1 < this.length && this.types[this.index + 1] === t.Colon) {
      label = { name: this.images[first], range: { start, end: this.endOf(first) } };
      this.index += 2;
    }
    const after = this.index;
    if (after >= this.length) throw invalid;
    const body = this.statementBody(after === first ? start : this.startOf(after));
    let assertion: ast.ShapeAssertion | undefined;
    if (this.peek() === t.Arrow) {
      this.index++;
      const type = this.peek();
      if (type !== t.ShapeLiteral && type !== t.NumberLiteral && type !== t.Question) throw invalid;
      const shape = this.index++;
      assertion = { dims: parseShapeText(this.images[shape]), range: this.rangeOf(shape) };
    }
    const built: ast.Statement = { body, range: label || assertion ? { start, end: (assertion ?? body).range.end } : body.range };
    if (label) built.label = label;
    if (assertion) built.assertion = assertion;
    return built;
  }

  /** What a statement is, from its keyword or name, which starts at `start`. */
  private statementBody(start: ast.Expr['range']['start']): ast.StatementBody {
    const keyword = this.index;
    const type = this.peek();
    if (type === t.Repeat) {
      this.index++;
      const keywordRange = { start, end: this.endOf(keyword) };
      this.expect(t.LParen);
      const count = this.boundedExpression();
      this.expect(t.RParen);
      const body = this.body();
      return { kind: 'repeat', count, body, keywordRange, range: this.rangeFrom(start) };
    }
    if (type === t.Residual) {
      this.index++;
      const keywordRange = { start, end: this.endOf(keyword) };
      const built: ast.ResidualNode = { kind: 'residual', body: this.body(), keywordRange, range: this.rangeFrom(start) };
      if (this.peek() === t.Shortcut) {
        const shortcut = this.index++;
        built.shortcut = this.body();
        built.shortcutRange = this.rangeOf(shortcut);
        built.range = this.rangeFrom(start);
      }
      return built;
    }
    if (type === t.Concat) {
      this.index++;
      const keywordRange = { start, end: this.endOf(keyword) };
      if (this.peek() === t.LCurly) {
        this.index++;
        const branches: ast.ConcatBlockNode['branches'] = [];
        for (;;) {
          const next = this.peek();
          if (next === t.Newline || next === t.Semicolon) this.index++;
          else if (next === t.Branch) {
            const branchStart = this.startOf(this.index++);
            branches.push({ body: this.body(), range: this.rangeFrom(branchStart) });
          } else break;
        }
        this.expect(t.RCurly);
        return { kind: 'concatBlock', branches, keywordRange, range: this.rangeFrom(start) };
      }
      const list = this.peek() === t.LParen ? this.argumentList() : undefined;
      return { kind: 'call', name: 'concat', nameRange: keywordRange, args: list ? list.args : [], argsRange: list?.range, range: list ? { start, end: list.range.end } : keywordRange };
    }
    if (type !== t.Identifier && type !== t.Input) throw invalid;
    this.index++;
    const nameRange = { start, end: this.endOf(keyword) };
    const list = this.peek() === t.LParen ? this.argumentList() : undefined;
    return { kind: 'call', name: this.images[keyword], nameRange, args: list ? list.args : [], argsRange: list?.range, range: list ? { start, end: list.range.end } : nameRange };
  }

  /** From `start` to the end of the token read last. */
  private rangeFrom(start: ast.Expr['range']['start']): ast.Expr['range'] {
    return { start, end: this.endOf(this.index - 1) };
  }

  /** `argumentList`: `(`, arguments (`key =` optional) separated by commas, `)`. */
  private argumentList(): { args: ast.Argument[]; range: ast.Expr['range'] } {
    const start = this.startOf(this.expect(t.LParen));
    // The list kept is exactly as long as its arguments: pushing onto an array reserves room for about seventeen
    // more, and a megabyte file keeps a hundred thousand argument lists. A lone argument (the usual case) needs no copy.
    let args: ast.Argument[] = [];
    if (startsArgument(this.peek())) {
      args = [this.argument()];
      while (this.peek() === t.Comma) {
        this.index++;
        args.push(this.argument());
      }
      if (args.length > 1) args = args.slice();
    }
    this.expect(t.RParen);
    return { args, range: this.rangeFrom(start) };
  }

  private argument(): ast.Argument {
    const first = this.index;
    if (this.peek() === t.Identifier && first + 1 < this.length && this.types[first + 1] === t.Equals) {
      this.index += 2;
      const keyRange = this.rangeOf(first);
      const value = this.boundedExpression();
      return { key: this.images[first], keyRange, value, range: { start: keyRange.start, end: value.range.end } };
    }
    const value = this.boundedExpression();
    return { value, range: value.range };
  }

  /**
   * An expression that stands on its own (an argument, a default, a repeat
   * count): a `missing` one with a diagnostic when it nests deeper than
   * `maxExpressionDepth`, as buildAst.ts's `bounded` gives.
   */
  private boundedExpression(): ast.Expr {
    const built = this.expression();
    return this.expressionDepth > maxExpressionDepth ? tooDeep(built.range, this.problems) : built;
  }

  /**
   * `expression`: operands, each with an optional leading minus, joined by
   * operators. buildAst.ts builds a call's arguments before the parenthesised
   * groups of the same expression, so diagnostics from inside a group wait
   * until the expression's end. Sets `expressionDepth` to the depth of the tree it
   * returns, counted as buildAst.ts's `depthOf` counts it, as the operands
   * come: once past `maxExpressionDepth` the rest of the operands are read
   * but not kept, and the expression is a `missing` one over its whole text
   * (a megabyte sum is not built as half a million nodes to be dropped).
   */
  private expression(): ast.Expr {
    const startIndex = this.index;
    let deferred: Diagnostic[] | undefined;
    const operand = (): ast.Expr => {
      const minus = this.peek() === t.Minus ? this.index++ : -1;
      const token = this.index;
      const type = this.peek();
      let built: ast.Expr;
      let depth = 1;
      if (type === t.LParen) {
        const outer = this.problems;
        this.problems = deferred ??= [];
        built = this.parenthesized();
        depth = this.expressionDepth;
        this.problems = outer;
      } else if (type === t.NumberLiteral || type === t.ShapeLiteral || type === t.StringLiteral || type === t.True || type === t.False || type === t.Identifier) {
        this.index++;
        built = atomOf(type, this.images[token], this.rangeOf(token));
        if (type === t.Identifier && this.peek() === t.LParen) {
          const list = this.argumentList();
          built = { kind: 'call', name: this.images[token], nameRange: built.range, args: list.args, range: joinRange(built.range, list.range) };
        }
      } else throw invalid;
      if (minus >= 0) {
        built = negated(this.rangeOf(minus), built);
        // A negated number stays a number, one level.
        if (built.kind !== 'number') depth++;
      }
      this.expressionDepth = depth;
      return built;
    };
    const first = operand();
    let operands: ast.Expr[] | undefined;
    let between: Operator[] | undefined;
    // The depth of foldOperators' tree so far: the term being multiplied, and the sum of the terms before it (0: none yet).
    let termDepth = this.expressionDepth;
    let sumDepth = 0;
    const depthSoFar = () => (sumDepth ? 1 + Math.max(sumDepth, termDepth) : termDepth);
    let tooDeepAlready = depthSoFar() > maxExpressionDepth;
    for (;;) {
      const type = this.peek();
      if (type !== t.Plus && type !== t.Minus && type !== t.Star && type !== t.Slash && type !== t.FloorDiv) break;
      const operator = this.images[this.index++] as Operator;
      if (tooDeepAlready) {
        this.skipOperand(operand);
        continue;
      }
      (between ??= []).push(operator);
      (operands ??= [first]).push(operand());
      if (operator === '+' || operator === '-') {
        sumDepth = sumDepth ? 1 + Math.max(sumDepth, termDepth) : termDepth;
        termDepth = this.expressionDepth;
      } else termDepth = 1 + Math.max(termDepth, this.expressionDepth);
      tooDeepAlready = depthSoFar() > maxExpressionDepth;
    }
    if (deferred) for (const problem of deferred) this.problems.push(problem);
    if (tooDeepAlready) {
      this.expressionDepth = maxExpressionDepth + 1;
      return { kind: 'missing', range: this.rangeFrom(this.startOf(startIndex)) };
    }
    this.expressionDepth = depthSoFar();
    return operands ? foldOperators(operands, between!) : first;
  }

  /** An operand of an expression already too deep: read for its place and its problems, a lone literal or name without building it. */
  private skipOperand(operand: () => ast.Expr): void {
    const at = this.index + (this.peek() === t.Minus ? 1 : 0);
    const type = at < this.length ? this.types[at] : undefined;
    const simple =
      type === t.NumberLiteral ||
      type === t.ShapeLiteral ||
      type === t.StringLiteral ||
      type === t.True ||
      type === t.False ||
      (type === t.Identifier && (at + 1 >= this.length || this.types[at + 1] !== t.LParen));
    if (simple) this.index = at + 1;
    else operand();
  }

  /** `parenthesized`: `(expr)` keeps the inner expression with the parentheses' range; `(a, b)` is a tuple. Sets `expressionDepth` as `expression` does. */
  private parenthesized(): ast.Expr {
    const start = this.startOf(this.expect(t.LParen));
    const items = [this.expression()];
    let deepest = this.expressionDepth;
    while (this.peek() === t.Comma) {
      this.index++;
      items.push(this.expression());
      deepest = Math.max(deepest, this.expressionDepth);
    }
    this.expect(t.RParen);
    const range = this.rangeFrom(start);
    this.expressionDepth = items.length === 1 ? deepest : deepest + 1;
    return items.length === 1 ? { ...items[0], range } : { kind: 'tuple', items, range };
  }
}

/** The tokens a statement starts with. */
function startsStatement(type: TokenType | undefined): boolean {
  return type === t.Identifier || type === t.Input || type === t.Repeat || type === t.Residual || type === t.Concat;
}

/** The tokens an argument starts with: a name (maybe a key) or the start of a value. */
function startsArgument(type: TokenType | undefined): boolean {
  return type === t.Identifier || type === t.Minus || type === t.NumberLiteral || type === t.ShapeLiteral || type === t.StringLiteral || type === t.True || type === t.False || type === t.LParen;
}
