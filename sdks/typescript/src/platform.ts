/**
 * What an entry point tells the platform-neutral code about its platform:
 * the Node entry (`index.ts`) sets a default `User-Agent`; the browser entry
 * sets nothing (browsers do not let a page choose its `User-Agent`).
 *
 * @internal
 */
export interface Platform {
  /** The default `User-Agent` of API requests, if the platform allows one. */
  userAgent?: string;
}

let platform: Platform = {};

/** Registers the platform (once per entry point). @internal */
export function setPlatform(value: Platform): void {
  platform = value;
}

/** The registered platform. @internal */
export function currentPlatform(): Platform {
  return platform;
}
