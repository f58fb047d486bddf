import { ApiError, NetworkError } from '../api';
import { errorMessage } from '../context';
import type { Translate } from '../i18n';

/**
 * One sentence for a failed admin call. For now the server's `message` (issue 9 point 6 will map
 * `code`/`field`/`rule` to translated sentences: switch here, every admin screen follows).
 */
export function adminError(err: unknown, t: Translate): string {
  if (err instanceof NetworkError) return t('error.network');
  if (err instanceof ApiError && err.status === 403) return t('admin.onlyText');
  return errorMessage(err, t('error.network'));
}
