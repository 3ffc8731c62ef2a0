/**
 * The API key lives in this tab's sessionStorage only: never localStorage,
 * never a cookie. Closing the tab forgets it; logging out removes it.
 */
export const SESSION_KEY = 'triggers.console.apiKey';

export function loadKey(): string | null {
  try {
    return window.sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null; // storage disabled: the user logs in again
  }
}

export function storeKey(key: string): void {
  window.sessionStorage.setItem(SESSION_KEY, key);
}

export function clearKey(): void {
  try {
    window.sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // nothing stored
  }
}

/**
 * Checks what can be checked before asking the service: an API key is one
 * line of printable ASCII (anything else could not be sent in a header).
 * Returns a message for the user, or null when the key may be tried.
 */
export function keyFormatProblem(key: string): string | null {
  if (key.length === 0) return 'Enter an API key.';
  if (!/^[\x21-\x7e]+$/.test(key)) {
    return 'An API key is one line of letters, digits and punctuation, without spaces.';
  }
  return null;
}
