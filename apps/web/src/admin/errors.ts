import { ApiError, NetworkError } from '../api';
import { errorMessage } from '../context';
import type { Translate } from '../i18n';

/**
 * One sentence for a failed admin call, in the reader's language: the shared describeError (through
 * errorMessage: codes, fields and rules translated), except a 403, which here can only mean the
 * signed-in user is no longer an admin.
 */
export function adminError(err: unknown, t: Translate): string {
  if (err instanceof NetworkError) return t('error.network');
  if (err instanceof ApiError && err.status === 403) return t('admin.onlyText');
  return errorMessage(err, t('error.network'));
}
