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

/**
 * A request or webhook failed to sign or verify. `code` is the spec's stable
 * machine code; `message` is for humans and never contains a secret or a
 * header value.
 *
 * Prefer checking `code` (or {@link SignatureError.is}) to `instanceof`: an
 * application that loads both the ESM and the CommonJS build of this package
 * has two `SignatureError` classes.
 */
export class SignatureError extends Error {
  /** The spec's stable machine code, e.g. `signature_mismatch`. */
  readonly code: SignatureErrorCode;

  constructor(code: SignatureErrorCode, message?: string) {
    super(message ?? code);
    this.name = 'SignatureError';
    this.code = code;
  }

  /** True for any `SignatureError`, from either build of this package. */
  static is(value: unknown): value is SignatureError {
    return (
      value instanceof Error &&
      value.name === 'SignatureError' &&
      isSignatureErrorCode((value as { code?: unknown }).code)
    );
  }
}
