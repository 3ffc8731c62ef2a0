import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, ApiError } from '../api/client';
import { clearKey, keyFormatProblem, loadKey, storeKey } from './session';

/** Why the user is on the login page (shown there). */
export interface SignedOutNotice {
  message: string;
  code?: string;
}

interface AuthValue {
  /** The client for the logged-in key; null when logged out. */
  api: ApiClient | null;
  /** Verifies the key with a cheap authenticated call, then keeps it for this tab. Throws ApiError/NetworkError/Error. */
  login: (key: string) => Promise<void>;
  logout: () => void;
  notice: SignedOutNotice | null;
}

const AuthContext = createContext<AuthValue | null>(null);

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** The logged-in client; only under RequireAuth. */
export function useApi(): ApiClient {
  const { api } = useAuth();
  if (!api) throw new Error('useApi without a logged-in key');
  return api;
}

export function AuthProvider({ baseUrl = '', children }: { baseUrl?: string; children: ReactNode }) {
  const [key, setKey] = useState<string | null>(() => loadKey());
  const [notice, setNotice] = useState<SignedOutNotice | null>(null);

  const onUnauthorized = useCallback((error: ApiError) => {
    clearKey();
    setKey(null);
    setNotice({
      message: `You were signed out: the service refused the API key (${error.message}).`,
      code: error.code,
    });
  }, []);

  const api = useMemo(
    () => (key ? new ApiClient({ baseUrl, apiKey: key, onUnauthorized }) : null),
    [key, baseUrl, onUnauthorized],
  );

  const login = useCallback(
    async (raw: string) => {
      const candidate = raw.trim();
      const problem = keyFormatProblem(candidate);
      if (problem) throw new Error(problem);
      // No onUnauthorized here: a refused key stays on the login page with its error.
      const probe = new ApiClient({ baseUrl, apiKey: candidate });
      await probe.listWebhooks({ limit: 1 });
      storeKey(candidate);
      setNotice(null);
      setKey(candidate);
    },
    [baseUrl],
  );

  const logout = useCallback(() => {
    clearKey();
    setKey(null);
    setNotice({ message: 'You logged out. The API key was removed from this tab.' });
  }, []);

  const value = useMemo(() => ({ api, login, logout, notice }), [api, login, logout, notice]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
