/**
 * What every platform export mapper (Shopify, Amazon) needs from its caller: a platform's own
 * export names neither the Capstan platform it arrives through nor the merchant it is about, so
 * both come in as options and are checked before a byte is read.
 */
import { merchantIdPattern, platformIdPattern } from '../event-schemas.ts';

export interface PlatformExportOptions {
  /** The platform the events come from: `plt_…`, the envelope's `source`. */
  readonly source: string;
  /** The merchant they are about: `mer_…`, the envelope's `subject`. */
  readonly subject: string;
}

const platformId = new RegExp(platformIdPattern);
const merchantId = new RegExp(merchantIdPattern);

/**
 * Throws a clear error unless source and subject are a platform id and a merchant id; `format` is
 * named with its article ("an Amazon settlement report").
 */
export function checkPlatformExportOptions(
  format: string,
  options: { readonly source?: string | undefined; readonly subject?: string | undefined },
): asserts options is PlatformExportOptions {
  const { source, subject } = options;
  if (source === undefined || subject === undefined) {
    throw new Error(
      `${format} names neither the platform nor the merchant: pass --source plt_… and --subject mer_…`,
    );
  }
  if (!platformId.test(source)) throw new Error(`--source must be a platform id (plt_…), got "${source}"`);
  if (!merchantId.test(subject)) throw new Error(`--subject must be a merchant id (mer_…), got "${subject}"`);
}
