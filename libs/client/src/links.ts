/**
 * The path to follow for a link carried in a notification (`data.link`), or null when it leads
 * anywhere but `origin`: `javascript:`, `data:`, `//other.example`, `/\other.example` and
 * `https://other.example` all resolve to another origin (or none) and are not followed.
 * The answer is the normalised path, query and fragment, so what is rendered is what was checked.
 */
export function sameOriginPath(link: unknown, origin: string): string | null {
  if (typeof link !== 'string' || link.trim() === '') return null;
  let base: URL;
  let url: URL;
  try {
    base = new URL(origin);
    url = new URL(link, base.origin);
  } catch {
    return null; // not a URL at all: shown without a link
  }
  if (url.origin !== base.origin) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
