/**
 * Typed signing functions over the WebAssembly build of the Rust core
 * (`triggers-signing`), shared by the Node and the browser entry points.
 * The normative spec is `docs/SIGNING.md`; every function here signs and
 * verifies byte for byte like the Rust crate, because it runs it.
 */
import { platformBodyHash, wasm } from './backend.js';
import { SignatureError, isSignatureErrorCode } from './errors.js';
import type { WebhookPayload } from './models.js';

/** A raw body: bytes as sent on the wire, or a string (signed as its UTF-8 bytes). */
export type Body = Uint8Array | string;

/** Unix time in seconds: a non-negative integer (`bigint` above 2^53). */
export type UnixSeconds = number | bigint;

/** A header value as header maps hold it (several values are joined with `", "`). */
export type HeaderValue = string | readonly string[] | null | undefined;

/**
 * Request or webhook headers, looked up case-insensitively: a fetch
 * `Headers`, any object with a `get(name)` method (a `Map` is searched
 * case-insensitively), or a plain object such as Node's `req.headers`.
 */
export type HeadersInput =
  | { get(name: string): HeaderValue }
  | Readonly<Record<string, HeaderValue>>;

/**
 * The three headers of a signed v1 request. (A type alias, not an interface,
 * so that it is assignable to `HeadersInit` and `Record<string, string>`.)
 */
export type RequestSignatureHeaders = {
  'X-Signature-Timestamp': string;
  'X-Signature': string;
  'X-Signature-Version': 'v1';
};

/** Input of {@link signRequest}. */
export interface SignRequestOptions {
  /** The signing secret exactly as issued (its UTF-8 bytes are the HMAC key). */
  secret: string;
  /** The HTTP method (`post` is signed as `POST`). */
  method: string;
  /**
   * The request target as sent: path and query (`/v1/events?source=shop`),
   * not a full URL. A `URL` object stands for its `pathname + search`.
   */
  target: string | URL;
  /** The raw body; default empty. */
  body?: Body;
  /** Unix seconds to sign; default now. */
  timestamp?: UnixSeconds;
}

/** What {@link signRequest} returns. */
export interface SignedRequest {
  /** Value of `X-Signature-Timestamp` (decimal Unix seconds). */
  timestamp: string;
  /** Value of `X-Signature`: 64 lower-case hex digits. */
  signature: string;
  /** Value of `X-Signature-Version`. */
  version: 'v1';
  /** The three headers, ready to spread into a request's headers. */
  headers: RequestSignatureHeaders;
}

/** Input of {@link verifyRequest}. */
export interface VerifyRequestOptions {
  /** Candidate secrets; during a rotation the new one first, then the old one. */
  secrets: string | readonly string[];
  /** The method as received. */
  method: string;
  /** The path and query as received (the request line's target). */
  target: string | URL;
  /** The raw body as received, before any parsing; default empty. */
  body?: Body;
  /** The request's headers (`X-Signature-Timestamp`, `X-Signature`, `X-Signature-Version`). */
  headers: HeadersInput;
  /** The verifier's clock in Unix seconds; default now. */
  now?: UnixSeconds;
  /** Accepted clock skew either way, in seconds; default 300. */
  tolerance?: UnixSeconds;
}

/** What a successful {@link verifyRequest} established. */
export interface VerifiedRequest {
  /** The signed timestamp (Unix seconds). */
  timestamp: number;
  /** Index in `secrets` of the secret that matched: tells whether a client still signs with an old secret. */
  secretIndex: number;
}

/** The three headers of a webhook delivery (Standard Webhooks v1); a type alias, like {@link RequestSignatureHeaders}. */
export type WebhookSignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** Input of {@link signWebhook}. */
export interface SignWebhookOptions {
  /** The `whsec_…` secret, or several (every one signs: a rotation). */
  secret: string | readonly string[];
  /** The message id (`webhook-id`), the same on every retry of one delivery. */
  id: string;
  /** The raw body. */
  body: Body;
  /** Unix seconds of this attempt; default now. */
  timestamp?: UnixSeconds;
}

/** What {@link signWebhook} returns. */
export interface SignedWebhook {
  /** Value of `webhook-id`. */
  id: string;
  /** Value of `webhook-timestamp`. */
  timestamp: string;
  /** Value of `webhook-signature`: `v1,<base64>`, one space-separated entry per secret. */
  signature: string;
  /** The three headers, ready to spread into a request's headers. */
  headers: WebhookSignatureHeaders;
}

/** Input of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** Candidate `whsec_…` secrets (the prefix may be omitted). */
  secrets: string | readonly string[];
  /** The delivery's headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`). */
  headers: HeadersInput;
  /** The raw body as received, before any parsing. */
  body: Body;
  /** The verifier's clock in Unix seconds; default now. */
  now?: UnixSeconds;
  /** Accepted clock skew either way, in seconds; default 300. */
  tolerance?: UnixSeconds;
}

/** What a successful {@link verifyWebhook} established. */
export interface VerifiedWebhook {
  /** The message id (`webhook-id`): deduplicate deliveries on it. */
  id: string;
  /** The signed timestamp (Unix seconds). */
  timestamp: number;
}

/** Input of {@link canonicalString}. */
export interface CanonicalStringOptions {
  method: string;
  target: string | URL;
  body?: Body;
  timestamp: UnixSeconds;
}

/** The default accepted clock skew, in seconds, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const U64_MAX = (1n << 64n) - 1n;
const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

function toU64(value: UnixSeconds | undefined, name: string, fallback: () => bigint): bigint {
  if (value === undefined) return fallback();
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${name} must be a non-negative integer number of seconds`);
    }
    return BigInt(value);
  }
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) throw new RangeError(`${name} is out of range`);
    return value;
  }
  throw new TypeError(`${name} must be a number or a bigint`);
}

function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

function bytes(body: Body | undefined): Uint8Array {
  if (body === undefined) return EMPTY;
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  // Any other view (another realm's Uint8Array, a Buffer from a vm context…).
  if (ArrayBuffer.isView(body)) {
    const view = body as ArrayBufferView;
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  throw new TypeError('body must be a Uint8Array or a string');
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}

function targetOf(target: string | URL): string {
  if (typeof target === 'string') return target;
  if (target !== null && typeof target === 'object' && typeof target.pathname === 'string') {
    return target.pathname + target.search;
  }
  throw new TypeError('target must be a string (path and query) or a URL');
}

/** Candidate secrets as an array. Non-strings are refused by the core (`invalid_secret`). */
function secretList(secrets: string | readonly string[]): unknown[] {
  if (typeof secrets === 'string') return [secrets];
  if (Array.isArray(secrets)) return [...(secrets as readonly unknown[])];
  throw new SignatureError('invalid_secret', 'secrets must be a string or an array of strings');
}

function joinValues(values: readonly unknown[]): string | undefined {
  const parts: string[] = [];
  for (const v of values) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) parts.push(...v.map(String));
    else parts.push(String(v));
  }
  return parts.length === 0 ? undefined : parts.join(', ');
}

/** Reads one header (lower-case `name`) case-insensitively; `undefined` when absent. */
function readHeader(headers: HeadersInput, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') {
    throw new TypeError('headers must be a Headers, a Map or a plain object');
  }
  if (headers instanceof Map) {
    const found: unknown[] = [];
    for (const [key, value] of headers) {
      if (typeof key === 'string' && key.toLowerCase() === name) found.push(value);
    }
    return joinValues(found);
  }
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    return joinValues([get.call(headers, name)]);
  }
  const record = headers as Readonly<Record<string, HeaderValue>>;
  const found: unknown[] = [];
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === name) found.push(record[key]);
  }
  return joinValues(found);
}

/** Runs a WebAssembly export, turning its coded errors into {@link SignatureError}. */
function call<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof Error && isSignatureErrorCode(code)) {
      throw new SignatureError(code, error.message);
    }
    throw error;
  }
}

/**
 * Signs a request (v1): returns the `X-Signature-Timestamp`, `X-Signature`
 * and `X-Signature-Version` headers.
 *
 * ```ts
 * const body = JSON.stringify({ source: 'shop', event_type: 'order.created', payload: {} });
 * const { headers } = signRequest({ secret, method: 'POST', target: '/v1/events', body });
 * await fetch(`${base}/v1/events`, { method: 'POST', body, headers: { ...headers, 'Content-Type': 'application/json' } });
 * ```
 *
 * @throws {SignatureError} `invalid_secret` (empty secret), `invalid_method`,
 *   `bad_encoding` (an invalid `%` escape in the target), `malformed_header`
 *   (a timestamp above 19 digits).
 */
export function signRequest(options: SignRequestOptions): SignedRequest {
  const { secret, method, target, body, timestamp } = options;
  if (typeof secret !== 'string') throw new SignatureError('invalid_secret', 'the secret must be a string');
  const ts = toU64(timestamp, 'timestamp', nowSeconds);
  const methodText = text(method, 'method');
  const targetText = targetOf(target);
  const data = bytes(body);
  const digest = platformBodyHash(data);
  const signature = call(() =>
    digest === undefined
      ? wasm().signRequest(secret, methodText, targetText, ts, data)
      : wasm().signRequestHashed(secret, methodText, targetText, ts, digest),
  );
  const tsText = ts.toString();
  return {
    timestamp: tsText,
    signature,
    version: 'v1',
    headers: { 'X-Signature-Timestamp': tsText, 'X-Signature': signature, 'X-Signature-Version': 'v1' },
  };
}

/**
 * Verifies a signed request against candidate secrets, checking in the
 * spec's order: headers present, version, header format, timestamp window,
 * method and target, then the HMAC against every secret in constant time.
 * Verify the raw body before parsing it.
 *
 * Replay protection (refusing a signature already accepted within the
 * window) is the caller's: key a cache on `X-Signature`.
 *
 * @throws {SignatureError} `missing_header`, `unsupported_version`,
 *   `malformed_header`, `future_timestamp`, `stale_timestamp`,
 *   `invalid_method`, `bad_encoding`, `signature_mismatch` (also with an
 *   empty list of secrets), `invalid_secret` (an empty or non-string secret).
 */
export function verifyRequest(options: VerifyRequestOptions): VerifiedRequest {
  const { secrets, method, target, body, headers, now, tolerance } = options;
  const list = secretList(secrets);
  const timestamp = readHeader(headers, 'x-signature-timestamp');
  const signature = readHeader(headers, 'x-signature');
  const version = readHeader(headers, 'x-signature-version');
  const nowS = toU64(now, 'now', nowSeconds);
  const tol = toU64(tolerance, 'tolerance', () => BigInt(DEFAULT_TOLERANCE_SECONDS));
  const methodText = text(method, 'method');
  const targetText = targetOf(target);
  const data = bytes(body);
  const digest = platformBodyHash(data);
  const secretIndex = call(() =>
    digest === undefined
      ? wasm().verifyRequest(list, methodText, targetText, data, timestamp, signature, version, nowS, tol)
      : wasm().verifyRequestHashed(list, methodText, targetText, digest, timestamp, signature, version, nowS, tol),
  );
  // Verified: the timestamp header is decimal digits.
  return { timestamp: Number(timestamp), secretIndex };
}

/**
 * Signs a webhook delivery (Standard Webhooks v1) with one secret, or with
 * several during a rotation (one `v1,<base64>` entry each, space-separated).
 *
 * @throws {SignatureError} `invalid_secret` (no secret, an empty one, or one
 *   that is not base64), `malformed_header` (an id that is not non-empty
 *   visible ASCII, a timestamp above 19 digits).
 */
export function signWebhook(options: SignWebhookOptions): SignedWebhook {
  const { secret, id, body, timestamp } = options;
  const list = secretList(secret);
  const ts = toU64(timestamp, 'timestamp', nowSeconds);
  const idText = text(id, 'id');
  const signature = call(() => wasm().signWebhook(list, idText, ts, bytes(body)));
  const tsText = ts.toString();
  return {
    id: idText,
    timestamp: tsText,
    signature,
    headers: { 'webhook-id': idText, 'webhook-timestamp': tsText, 'webhook-signature': signature },
  };
}

/**
 * Verifies a webhook delivery (Standard Webhooks v1): accepts when any `v1`
 * entry of `webhook-signature` matches any of `secrets`. Verify the raw body
 * before parsing it, and deduplicate deliveries on the returned `id`.
 *
 * @throws {SignatureError} `missing_header`, `malformed_header`,
 *   `future_timestamp`, `stale_timestamp`, `unsupported_version` (no `v1`
 *   entry), `signature_mismatch`, `invalid_secret`.
 */
export function verifyWebhook(options: VerifyWebhookOptions): VerifiedWebhook {
  const { secrets, headers, body, now, tolerance } = options;
  const list = secretList(secrets);
  const id = readHeader(headers, 'webhook-id');
  const timestamp = readHeader(headers, 'webhook-timestamp');
  const signature = readHeader(headers, 'webhook-signature');
  const nowS = toU64(now, 'now', nowSeconds);
  const tol = toU64(tolerance, 'tolerance', () => BigInt(DEFAULT_TOLERANCE_SECONDS));
  const signed = call(() =>
    wasm().verifyWebhook(list, id, timestamp, signature, bytes(body), nowS, tol),
  );
  // Verified: the id header is present.
  return { id: id as string, timestamp: Number(signed) };
}

/**
 * The v1 string to sign (`METHOD\nPATH\nQUERY\nTIMESTAMP\nBODY_HASH`), to
 * debug a `signature_mismatch` by comparing both sides' strings. It contains
 * no secret.
 *
 * @throws {SignatureError} `invalid_method`, `bad_encoding`.
 */
export function canonicalString(options: CanonicalStringOptions): string {
  const { method, target, body, timestamp } = options;
  const ts = toU64(timestamp, 'timestamp', nowSeconds);
  return call(() => wasm().canonicalString(text(method, 'method'), targetOf(target), ts, bytes(body)));
}

/** Input of {@link verifyWebhookPayload}: the same as {@link verifyWebhook}'s. */
export type VerifyWebhookPayloadOptions = VerifyWebhookOptions;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Verifies a webhook delivery like {@link verifyWebhook}, then parses its
 * body: returns the delivered event (`{ id, type, source, timestamp, data }`)
 * only when the signature is valid. Give it the raw body (a `string`,
 * `Uint8Array` or Node `Buffer`) and the request's headers (a plain object,
 * Node's `req.headers`, or a fetch `Headers`).
 *
 * ```ts
 * // Node http: collect the raw body first, do not let a framework parse it.
 * const event = verifyWebhookPayload<{ order_id: number }>({ secrets: process.env.WEBHOOK_SECRET!, headers: req.headers, body: rawBody });
 * event.data.order_id;
 * ```
 *
 * Deliveries are at least once: deduplicate on `event.id` (the same on
 * every retry and replay, like the `webhook-id` header).
 *
 * @typeParam TData the type you expect `data` (the event's payload) to have; not checked at run time.
 * @throws {SignatureError} as {@link verifyWebhook}: the body is not looked at unless the signature is valid.
 * @throws {SyntaxError} a correctly signed body that is not a UTF-8 JSON object (a broken sender).
 */
export function verifyWebhookPayload<TData = Record<string, unknown>>(
  options: VerifyWebhookPayloadOptions,
): WebhookPayload<TData> {
  const body = bytes(options.body);
  verifyWebhook({ ...options, body });
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new SyntaxError('the webhook body is correctly signed but is not UTF-8');
  }
  const payload: unknown = JSON.parse(text);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new SyntaxError('the webhook body is correctly signed but is not a JSON object');
  }
  return payload as WebhookPayload<TData>;
}
