/**
 * The stable machine codes of the v1 signing spec (`docs/SIGNING.md`,
 * section 6), identical in every language binding and in the HTTP error
 * envelope `{"error":{"code":"…","message":"…"}}`.
 */
export const SIGNATURE_ERROR_CODES = [
  'missing_header',
  'malformed_header',
  'unsupported_version',
  'stale_timestamp',
  'future_timestamp',
  'bad_encoding',
  'invalid_method',
  'invalid_secret',
  'signature_mismatch',
] as const;

/** One of {@link SIGNATURE_ERROR_CODES}. */
export type SignatureErrorCode = (typeof SIGNATURE_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(SIGNATURE_ERROR_CODES);

/** True when `code` is one of the spec's error codes. */
export function isSignatureErrorCode(code: unknown): code is SignatureErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

const BRAND = Symbol.for('@zapier/triggers-api-client.TriggersError');

/**
 * The base class of every error this package throws on purpose:
 * {@link SignatureError} (signing and verification), {@link ApiError} (the
 * API answered with an error status) and {@link NetworkError} (no answer).
 * Programming errors stay ordinary `TypeError`s and `RangeError`s, and an
 * `AbortSignal` you abort rejects with its own reason.
 *
 * Prefer the static `is` methods to `instanceof` when an application may
 * load both the ESM and the CommonJS build of this package (two copies of
 * every class): they recognise errors of either build.
 */
export class TriggersError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'TriggersError';
    // ES2022's Error(message, { cause }), set by hand for the ES2020 target.
    if (options !== undefined && 'cause' in options) {
      Object.defineProperty(this, 'cause', { value: options.cause, writable: true, configurable: true });
    }
  }

  /** True for any error of this package, from either build. */
  static is(value: unknown): value is TriggersError {
    return value instanceof Error && (value as unknown as Record<symbol, unknown>)[BRAND] === true;
  }
}
Object.defineProperty(TriggersError.prototype, BRAND, { value: true });

/**
 * A request or webhook failed to sign or verify. `code` is the spec's stable
 * machine code; `message` is for humans and never contains a secret or a
 * header value.
 *
 * Prefer checking `code` (or {@link SignatureError.is}) to `instanceof`: an
 * application that loads both the ESM and the CommonJS build of this package
 * has two `SignatureError` classes.
 */
export class SignatureError extends TriggersError {
  /** The spec's stable machine code, e.g. `signature_mismatch`. */
  readonly code: SignatureErrorCode;

  constructor(code: SignatureErrorCode, message?: string) {
    super(message ?? code);
    this.name = 'SignatureError';
    this.code = code;
  }

  /** True for any `SignatureError`, from either build of this package. */
  static override is(value: unknown): value is SignatureError {
    return (
      value instanceof Error &&
      value.name === 'SignatureError' &&
      isSignatureErrorCode((value as { code?: unknown }).code)
    );
  }
}

/** What {@link ApiError} is built from. @internal */
export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  requestId: string | undefined;
  body: unknown;
  headers: Headers;
  method: string;
  path: string;
}

/**
 * The API answered with an error status (400 and above), or with a success
 * status but a body that is not the expected JSON (`code`
 * `invalid_response`).
 *
 * ```ts
 * try {
 *   await client.getEvent(id);
 * } catch (error) {
 *   if (ApiError.is(error) && error.code === 'event_not_found') return undefined;
 *   throw error;
 * }
 * ```
 */
export class ApiError extends TriggersError {
  /** The HTTP status, e.g. 404. */
  readonly status: number;
  /**
   * The stable machine code of the error envelope
   * (`{"error":{"code":…}}`), e.g. `event_not_found`, `invalid_field`,
   * `signature_required`. When the body is not an error envelope (a proxy's
   * error page, say): `http_<status>`; for an unreadable success body:
   * `invalid_response`.
   */
  readonly code: string;
  /**
   * The request id: the response's `X-Request-Id` header, else the
   * envelope's `error.request_id`; quote it when reporting a problem.
   */
  readonly requestId: string | undefined;
  /** The parsed JSON body (the error envelope), or the raw text when it is not JSON. */
  readonly body: unknown;
  /** The response headers (e.g. `Retry-After` on a 503). */
  readonly headers: Headers;
  /** The request's method. */
  readonly method: string;
  /** The request's path, without the query. */
  readonly path: string;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.body = init.body;
    this.headers = init.headers;
    this.method = init.method;
    this.path = init.path;
  }

  /** True for any `ApiError`, from either build of this package. */
  static override is(value: unknown): value is ApiError {
    return TriggersError.is(value) && value.name === 'ApiError';
  }
}

/**
 * No usable answer: the connection failed (refused, reset, DNS, TLS), the
 * response could not be read, or the client's timeout (`timeoutMs`) expired
 * (`timedOut`). `cause` holds the underlying error. Aborting a request with
 * your own `AbortSignal` does not produce a `NetworkError`: the call
 * rejects with the signal's reason, as `fetch` does.
 */
export class NetworkError extends TriggersError {
  /** True when the client's `timeoutMs` expired before the answer was read. */
  readonly timedOut: boolean;
  /** The request's method. */
  readonly method: string;
  /** The request's URL, without the query. */
  readonly url: string;

  constructor(message: string, init: { cause: unknown; timedOut: boolean; method: string; url: string }) {
    super(message, { cause: init.cause });
    this.name = 'NetworkError';
    this.timedOut = init.timedOut;
    this.method = init.method;
    this.url = init.url;
  }

  /** True for any `NetworkError`, from either build of this package. */
  static override is(value: unknown): value is NetworkError {
    return TriggersError.is(value) && value.name === 'NetworkError';
  }
}
