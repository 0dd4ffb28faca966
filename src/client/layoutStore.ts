/**
 * The diagram layouts ELK made for each document's preview, kept in the
 * workspace's storage: a preview opened again on the document (in this
 * session or a later one) gets them in its page and draws the final layout
 * at once, instead of a quick one that ELK's replaces a second or two later.
 * A few layouts per document (collapsing a group makes another structure),
 * a bounded number of documents, the least recently used dropped first.
 */
import type * as vscode from 'vscode';
import { checkSavedLayout, type SavedLayout } from '../protocol/preview';

/** The key under which the layouts are stored in the workspace's memento. */
const storageKey = 'cnnLens.preview.layouts';
/** Documents whose layouts are kept. */
const maxDocuments = 32;
/** Layouts kept per document, the newest first. */
const maxLayoutsPerDocument = 4;
/** A layout larger than this (characters of JSON) is not kept: ResNet-152's is about 8 KB, the largest example's 30 KB. */
const maxLayoutChars = 512 * 1024;

/** Per document URI, its layouts, the newest first; the documents in the order they were last used, the newest last. */
type Stored = [string, SavedLayout[]][];

export class LayoutStore {
  constructor(private readonly memento: vscode.Memento) {}

  /** The layouts kept for `uri`, the newest first; ones that no longer check (a damaged store) are left out. */
  layoutsOf(uri: string): SavedLayout[] {
    const entry = this.stored().find(([key]) => key === uri);
    return (entry?.[1] ?? []).flatMap((layout) => {
      const checked = checkSavedLayout(layout);
      return checked.ok ? [checked.message] : [];
    });
  }

  /** Keeps `layout` as the newest of `uri`'s, replacing one of the same structure. */
  async remember(uri: string, layout: SavedLayout): Promise<void> {
    if (JSON.stringify(layout).length > maxLayoutChars) return;
    const stored = this.stored().filter(([key]) => key !== uri);
    const previous = this.layoutsOf(uri).filter((kept) => kept.structureKey !== layout.structureKey);
    stored.push([uri, [layout, ...previous].slice(0, maxLayoutsPerDocument)]);
    await this.memento.update(storageKey, stored.slice(-maxDocuments));
  }

  private stored(): Stored {
    const value = this.memento.get<unknown>(storageKey);
    return Array.isArray(value) ? value.filter((entry): entry is [string, SavedLayout[]] => Array.isArray(entry) && typeof entry[0] === 'string' && Array.isArray(entry[1])) : [];
  }
}
