import { createContext, useContext } from 'react';
import type { SessionUser } from './api';
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

export function errorMessage(err: unknown, fallback: string): string {
  return err instanceof Error && err.message ? err.message : fallback;
}
