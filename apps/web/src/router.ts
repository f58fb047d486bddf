import { useEffect, type MouseEvent } from 'react';
import { sameOriginPath } from '@herald/client';
import { Store, useStore } from './store';

/** The path of the page shown; client-side navigation with the History API. */
export const route = new Store<string>(location.pathname + location.search);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === route.get()) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  route.set(to);
  // A new page starts at its top, with focus where a keyboard or screen reader user expects it.
  window.scrollTo(0, 0);
  requestAnimationFrame(() => document.getElementById('main')?.focus({ preventScroll: true }));
}

window.addEventListener('popstate', () => route.set(location.pathname + location.search));

export function useRoute(): { path: string; query: URLSearchParams } {
  const full = useStore(route);
  const [path, search = ''] = full.split('?');
  return { path, query: new URLSearchParams(search) };
}

/** Only same-origin paths are followed: a link from a notification can never become javascript: or another site. */
export function safePath(value: unknown): string | null {
  return sameOriginPath(value, location.origin);
}

/** onClick for <a href>: keeps middle-click and modifier-click opening a new tab. */
export function linkClick(to: string) {
  return (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Herald`;
  }, [title]);
}
