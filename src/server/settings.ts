/**
 * The `cnnLens` settings. Editors that support `workspace/configuration` are
 * asked (and asked again after a change); others may pass the same object as
 * `initializationOptions`; without either, the defaults apply.
 */
import type { Connection } from 'vscode-languageserver';
import { defaultSettings, type CnnLensSettings } from '../protocol/messages';

/** Holds the current settings; `current` is synchronous so that debouncing never waits on the client. */
export class Settings {
  current: CnnLensSettings = defaultSettings;
  private canAskClient = false;

  constructor(private readonly connection: Connection) {}

  /** Called from `initialize`: remembers whether the client can be asked, and applies initializationOptions. */
  initialize(canAskClient: boolean, initializationOptions: unknown): void {
    this.canAskClient = canAskClient;
    this.current = merge(defaultSettings, initializationOptions);
  }

  /** Re-reads the settings from the client; a pushed `settings` object (old-style clients) is used directly. */
  async refresh(pushed?: unknown): Promise<void> {
    if (pushed && typeof pushed === 'object' && 'cnnLens' in pushed) {
      this.current = merge(defaultSettings, (pushed as { cnnLens: unknown }).cnnLens);
      return;
    }
    if (!this.canAskClient) return;
    try {
      const [section] = await this.connection.workspace.getConfiguration([{ section: 'cnnLens' }]);
      this.current = merge(defaultSettings, section);
    } catch {
      // A client that fails the request keeps whatever settings we had.
    }
  }
}

/** Fills `defaults` with the well-typed values of `given`, ignoring anything malformed. */
function merge(defaults: CnnLensSettings, given: unknown): CnnLensSettings {
  const source = (given ?? {}) as { inlayHints?: Record<string, unknown>; diagnostics?: Record<string, unknown>; training?: Record<string, unknown>; maxItemsComputed?: unknown };
  const flag = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);
  const debounce = source.diagnostics?.debounceMs;
  const maxItems = source.maxItemsComputed;
  return {
    inlayHints: {
      shapes: flag(source.inlayHints?.shapes, defaults.inlayHints.shapes),
      params: flag(source.inlayHints?.params, defaults.inlayHints.params),
    },
    diagnostics: {
      debounceMs: typeof debounce === 'number' && debounce >= 0 && debounce <= 5000 ? debounce : defaults.diagnostics.debounceMs,
    },
    training: trainingSettings(defaults.training, source.training),
    maxItemsComputed: typeof maxItems === 'number' && Number.isSafeInteger(maxItems) && maxItems >= 0 ? maxItems : defaults.maxItemsComputed,
  };
}

/** The `training` section: a whole batch size of at least 1, a known optimizer and precision, a budget string (checked where it is read). */
function trainingSettings(defaults: CnnLensSettings['training'], given: Record<string, unknown> | undefined): CnnLensSettings['training'] {
  const batch = given?.batchSize;
  const optimizer = given?.optimizer;
  const precision = given?.precision;
  const budget = given?.memoryBudget;
  return {
    batchSize: typeof batch === 'number' && Number.isSafeInteger(batch) && batch >= 1 ? batch : defaults.batchSize,
    optimizer: optimizer === 'sgd' || optimizer === 'momentum' || optimizer === 'adam' ? optimizer : defaults.optimizer,
    precision: precision === 'fp32' || precision === 'mixed' ? precision : defaults.precision,
    memoryBudget: typeof budget === 'string' ? budget : defaults.memoryBudget,
  };
}
