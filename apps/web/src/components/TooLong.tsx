import { useT } from '../i18n';

/**
 * Beside a text field without a `maxLength` attribute: the browser would cut a long paste silently,
 * so nothing is cut and this says how long the text is against the server's limit until it fits.
 */
export function TooLong({ id, value, limit }: { id: string; value: string; limit: number }) {
  const { t, locale } = useT();
  const count = value.trim().length;
  if (count <= limit) return null;
  return (
    <small id={id} className="error field-error" role="status" data-testid="too-long">
      {t('err.pasteTooLong', { count: count.toLocaleString(locale), limit: limit.toLocaleString(locale) })}
    </small>
  );
}

/** aria props of a field that may be over its limit (pairs with <TooLong id={id} />). */
export function tooLongProps(id: string, value: string, limit: number): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  return value.trim().length > limit ? { 'aria-invalid': true, 'aria-describedby': id } : {};
}
