import { createContext, useContext } from 'react';
import type { SessionUser } from './api';
import { describeError } from './errors';
import type { LiveHub } from './live';

export interface AppContextValue {
  user: SessionUser;
  hub: LiveHub;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp() outside a signed-in page');
  return value;
}

/** The sentence for a failed request, in the current language (errors.ts: codes, fields and rules translated). */
export function errorMessage(err: unknown, fallback: string): string {
  return describeError(err, fallback);
}
