/**
 * A token stream as parallel lists: each token's type, text, first and last
 * offset at one index. A megabyte file has close to a million tokens, all
 * alive until parsed; as objects the collector would copy each of them twice
 * and then mark it, which cost more than reading them. Chevrotain's parser,
 * which reads only what has a syntax error, gets token objects made from a
 * part of the list (`tokensOf`).
 */
import type { IToken, TokenType } from 'chevrotain';
import { tokenInstance } from './tokens';

/** Tokens by index; `length` of them. */
export class TokenList {
  readonly types: TokenType[];
  readonly images: string[];
  /** Where each token starts. */
  starts: Int32Array;
  /** Where each token's last character is (a made-up token of no width ends just before it starts). */
  ends: Int32Array;
  length = 0;

  /**
   * `capacity`: how many tokens the list can take before it grows. Every
   * list is made that large at once: growing a list of a million copies it
   * again and again, which cost more than filling it.
   */
  constructor(capacity = 16) {
    const size = Math.max(16, capacity);
    this.types = new Array<TokenType>(size);
    this.images = new Array<string>(size);
    this.starts = new Int32Array(size);
    this.ends = new Int32Array(size);
  }

  /** Adds a token at the end. */
  push(type: TokenType, image: string, start: number, end: number): void {
    const index = this.length;
    if (index === this.starts.length) this.grow();
    this.types[index] = type;
    this.images[index] = image;
    this.starts[index] = start;
    this.ends[index] = end;
    this.length = index + 1;
  }

  /** Adds token `index` of `from` at the end. */
  pushFrom(from: TokenList, index: number): void {
    this.push(from.types[index], from.images[index], from.starts[index], from.ends[index]);
  }

  /** Adds a token object (a made-up one, or one of `token`) at the end. */
  pushToken(token: IToken): void {
    this.push(token.tokenType, token.image, token.startOffset, lastOffset(token));
  }

  /** Removes the last token. */
  pop(): void {
    this.length--;
    // What lies past the end reads as no token, as past the end of the lists before.
    delete this.types[this.length];
    delete this.images[this.length];
  }

  /** A list of the tokens from `from` up to `to`. */
  copy(from: number, to: number): TokenList {
    const copy = new TokenList(to - from + 16);
    for (let index = from; index < to; index++) copy.pushFrom(this, index);
    return copy;
  }

  /** Token `index` as an object, as chevrotain makes tokens. */
  token(index: number): IToken {
    return tokenInstance(this.types[index], this.images[index], this.starts[index], this.ends[index]);
  }

  private grow(): void {
    const starts = new Int32Array(this.starts.length * 2);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Int32Array(this.ends.length * 2);
    ends.set(this.ends);
    this.ends = ends;
  }
}

/** The tokens from `from` up to `to` (all of them by default) as objects, for chevrotain's parser. */
export function tokensOf(list: TokenList, from = 0, to = list.length): IToken[] {
  const tokens: IToken[] = [];
  for (let index = from; index < to; index++) tokens.push(list.token(index));
  return tokens;
}

/** A list of token objects (a window read directly, made of made-up tokens and parts of a list). */
export function listOf(tokens: IToken[]): TokenList {
  const list = new TokenList(tokens.length);
  for (const token of tokens) list.pushToken(token);
  return list;
}

/** The offset of a token's last character (the lexer's tokens record start offsets only). */
export function lastOffset(token: IToken): number {
  return token.endOffset ?? token.startOffset + token.image.length - 1;
}
