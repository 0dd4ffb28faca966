/**
 * The cap on what one file's outline, folding ranges, code lenses and inlay
 * hints may hold (`cnnLens.maxItemsComputed`, 5,000 by default, as VS Code's
 * own JSON support caps its outline and folding). A megabyte file has some
 * 100,000 statements: its whole outline is 36 MB of JSON, which the server
 * writes and the editor reads and draws while every other file's requests
 * wait, and nobody reads an outline of 100,000 entries.
 */
import { MessageType, ShowMessageNotification, type Connection } from 'vscode-languageserver';

/** A result cut at the cap: `limited` says whether anything was left out. */
export interface Limited<T> {
  items: T[];
  limited: boolean;
}

const limitedFeatures = ['outline symbols', 'folding ranges', 'code lenses', 'inlay hints'] as const;

/** The features the cap applies to, as the message names them. */
export type LimitedFeature = (typeof limitedFeatures)[number];

/** The first `limit` of `items`. */
export function firstOf<T>(items: T[], limit: number): Limited<T> {
  return items.length > limit ? { items: items.slice(0, limit), limited: true } : { items, limited: false };
}

/**
 * Tells the user, once per document while the server runs, that a result was
 * cut, and which setting raises the cap: a silent cut would look like a bug in
 * the outline. One message names every feature the cap applies to, so that a
 * file with too many of each gets one message, not four.
 */
export class ResultLimitNotices {
  private readonly told = new Set<string>();

  constructor(private readonly connection: Connection) {}

  /** Unwraps a query's answer, telling the user when it was cut. */
  itemsOf<T>(uri: string, feature: LimitedFeature, answer: Limited<T> | undefined, limit: number): T[] {
    if (!answer) return [];
    if (answer.limited) this.tell(uri, feature, limit);
    return answer.items;
  }

  private tell(uri: string, feature: LimitedFeature, limit: number): void {
    if (this.told.has(uri)) return;
    this.told.add(uri);
    const name = decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
    const others = limitedFeatures.filter((other) => other !== feature);
    // A notification, not window/showMessageRequest: nothing is asked, and a client without requests still shows it.
    void this.connection.sendNotification(ShowMessageNotification.type, {
      type: MessageType.Info,
      message: `CNN Lens shows the first ${limit.toLocaleString('en-US')} ${feature} of ${name}, for speed (its ${others[0]}, ${others[1]} and ${others[2]} stop at the same number); the setting cnnLens.maxItemsComputed raises the limit.`,
    });
  }
}
