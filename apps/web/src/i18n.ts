import { useMemo } from 'react';
import { en } from './messages/en';
import { zh } from './messages/zh-CN';
import { Store, useStore } from './store';

export type MessageKey = keyof typeof en;

export type Locale = 'en' | 'zh-CN';
export const LOCALES: { id: Locale; label: string }[] = [
  { id: 'en', label: 'English' },
  { id: 'zh-CN', label: '简体中文' },
];
const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zh };
const LOCALE_KEY = 'herald.locale';

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(LOCALE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // No storage: fall through to the browser's language.
  }
  return (navigator.language ?? '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const localeStore = new Store<Locale>(initialLocale());

export function setLocale(locale: Locale): void {
  localeStore.set(locale);
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(LOCALE_KEY, locale);
  } catch {
    // Not persisted: the choice holds for this page.
  }
}

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  const dict = dictionaries[locale];
  const oneKey = `${key}_one` as MessageKey;
  const template = params.count === 1 && oneKey in dict ? dict[oneKey] : dict[key];
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}

export function useT(): { t: Translate; locale: Locale } {
  const locale = useStore(localeStore);
  // Stable per locale, so effects that depend on t() do not re-run on every render.
  return useMemo(() => ({ t: (key: MessageKey, params?: Params) => translate(locale, key, params), locale }), [locale]);
}

/** Keys are only known at run time for server-given values (statuses, kinds): fall back to the raw value. */
export function hasKey(key: string): key is MessageKey {
  return key in en;
}
