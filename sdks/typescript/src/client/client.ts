/**
 * The HTTP client of the Triggers API: one method per operation of
 * `docs/openapi.json`, over the platform's `fetch` (Node 18+, browsers, edge
 * runtimes), optionally signing every request (v1, `docs/SIGNING.md`) with
 * the WebAssembly signer over the exact bytes and target it sends.
 */
import { ApiError, NetworkError, SignatureError, TriggersError } from '../errors.js';
import type {
  AnalyticsBreakdown,
  AnalyticsBreakdownQuery,
  AnalyticsExport,
  AnalyticsExportQuery,
  AnalyticsRangeQuery,
  AnalyticsSummary,
  AnalyticsTimeseries,
  AnalyticsTimeseriesQuery,
  ApiKey,
  ApiKeyList,
  ApiKeyListQuery,
  ApiKeyVersionList,
  ApiKeyWithSecrets,
  Attempt,
  AttemptList,
  BulkReplayRequest,
  BulkReplayResult,
  CreateApiKeyRequest,
  CreateEventRequest,
  CreateWebhookRequest,
  DeadLetter,
  DeadLetterList,
  DeadLetterListQuery,
  DeliveryListQuery,
  Event,
  EventList,
  Health,
  InboxQuery,
  OpenApiDocument,
  ReplayResult,
  RotateApiKeyRequest,
  RotateWebhookSecretRequest,
  RotatedApiKey,
  TestDeliveryResult,
  UpdateWebhookRequest,
  Webhook,
  WebhookList,
  WebhookListQuery,
  WebhookWithSecret,
} from '../models.js';
import { currentPlatform } from '../platform.js';
import { signRequest, type RequestSignatureHeaders } from '../signing-core.js';
import { OPERATIONS, type Method, type Operation, type OperationId } from './operations.js';

/** A `fetch` implementation: the platform's, or any compatible one (a test double, undici's, a tracing wrapper). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Signing credentials of an API key version: every request is then signed (v1). */
export interface SigningOptions {
  /** The API key's id (`key_…`), sent as `X-Key-Id`. */
  keyId: string;
  /** The version's signing secret (`trgs_…`), exactly as issued. Never logged. */
  secret: string;
}

/** Options of {@link TriggersClient}. */
export interface TriggersClientOptions {
  /**
   * The service's base URL, e.g. `https://triggers.example.com` or
   * `http://127.0.0.1:8080`; a path prefix (`https://example.com/triggers`)
   * is kept. No credentials, query or fragment.
   */
  baseUrl: string | URL;
  /** The API key (`trgk_…`), sent as `Authorization: Bearer …`. Never logged. */
  apiKey?: string;
  /** Sign every request with this key version's secret (required when the key has `require_signature`). */
  signing?: SigningOptions;
  /** Per-request timeout in milliseconds, covering the answer and its body; default 30,000; `0` disables it. */
  timeoutMs?: number;
  /** The `fetch` to use; default the platform's `globalThis.fetch`, looked up at each call. */
  fetch?: FetchLike;
  /**
   * The `User-Agent` header. Default in Node:
   * `triggers-api-client-js/<version> node/<version>`; browsers do not let a
   * page set it (none is sent there unless you pass one, which they ignore).
   * An empty string sends none.
   */
  userAgent?: string;
}

/** Options of one call. */
export interface RequestOptions {
  /** Abort the call: it then rejects with the signal's reason (as `fetch` does). */
  signal?: AbortSignal;
  /** This call's timeout in milliseconds, instead of the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Sent as `X-Request-Id` (1 to 128 visible ASCII characters); the service echoes it and logs it. */
  requestId?: string;
  /** Extra request headers. The client's own (authentication, signature, content type) take precedence. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * A query string's values; `undefined` and `null` leave the parameter out. A
 * `Date` is sent as an RFC 3339 time in UTC (`2026-11-24T00:00:00Z`).
 */
export type QueryParams = Readonly<Record<string, string | number | boolean | Date | null | undefined>>;

/** Options of {@link TriggersClient.request}. */
export interface RawRequestOptions extends RequestOptions {
  /** The query parameters. */
  query?: QueryParams;
  /**
   * The JSON body: a value to serialise with `JSON.stringify`, or the exact
   * bytes to send as a `string` (UTF-8) or `Uint8Array`.
   */
  body?: unknown;
}

/** What {@link TriggersClient.request} resolves to. */
export interface ApiResponse<T> {
  /** The HTTP status (2xx: other statuses reject with an {@link ApiError}). */
  status: number;
  /** The response headers (e.g. `Idempotent-Replayed`, `Location`). */
  headers: Headers;
  /** The response's `X-Request-Id`. */
  requestId: string | undefined;
  /** The parsed JSON body; `undefined` for an empty body (`204`). */
  data: T;
}

/** The default per-request timeout, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** A client method for every operation of the API (checked by the compiler). */
type OperationMethods = { readonly [K in OperationId]: (...args: never[]) => Promise<unknown> };

/** A request ready to send. */
interface Prepared {
  method: string;
  url: URL;
  /** The URL without the query, for messages. */
  where: string;
  headers: Headers;
  body: Uint8Array | undefined;
  signing: Readonly<SigningOptions> | undefined;
}

/** A page of a listing: the items and the cursor of the next page (`null` on the last). */
interface Page {
  next_cursor?: string | null;
}

const encoder = new TextEncoder();
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

function timeoutOf(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0) || Number.isNaN(value)) {
    throw new RangeError(`${name} must be a non-negative number of milliseconds (0: no timeout)`);
  }
  return value;
}

/** Parses and checks the base URL. */
function parseBaseUrl(value: unknown): URL {
  if (typeof value !== 'string' && !(value instanceof URL)) throw new TypeError('baseUrl must be a string or a URL');
  let url: URL;
  try {
    url = new URL(typeof value === 'string' ? value : value.href);
  } catch {
    throw new TypeError('baseUrl must be an absolute http(s) URL, e.g. https://triggers.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('baseUrl must be an http or https URL');
  if (url.username !== '' || url.password !== '') throw new TypeError('baseUrl must not contain credentials');
  if (url.search !== '' || url.hash !== '') throw new TypeError('baseUrl must not have a query or a fragment');
  return url;
}

/** `{name}` placeholders of a path template, filled with percent-encoded values. */
function expand(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(params[name] as string));
}

/** A `Date` as RFC 3339 in UTC, without a fraction when it has no milliseconds. */
function rfc3339(date: Date, name: string): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError(`query parameter ${name} is an invalid Date`);
  const text = date.toISOString();
  // Years outside 0000-9999 come out as ±YYYYYY, which RFC 3339 has no form for.
  if (!/^\d{4}-/.test(text)) throw new RangeError(`query parameter ${name} is outside the years 0000 to 9999`);
  return text.endsWith('.000Z') ? `${text.slice(0, -5)}Z` : text;
}

function queryString(query: QueryParams | undefined): string {
  if (query === undefined || query === null) return '';
  if (typeof query !== 'object') throw new TypeError('query must be an object');
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    let text: string;
    if (value instanceof Date) text = rfc3339(value, key);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') text = String(value);
    else throw new TypeError(`query parameter ${key} must be a string, a number, a boolean or a Date`);
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** An analytics query, checked to be an object (its `Date`s become RFC 3339 in `queryString`). */
function analyticsQuery<Q extends object>(query: Q): QueryParams {
  if (query === null || typeof query !== 'object') throw new TypeError('query must be an object');
  return query as QueryParams;
}

/** True when a `Content-Type` is `type` (any parameters, any case). */
function hasMediaType(headers: Headers, type: string): boolean {
  const value = headers.get('content-type');
  return value !== null && value.split(';')[0]!.trim().toLowerCase() === type;
}

/**
 * Splits CSV text into records, one per line: a line break inside a quoted
 * field (RFC 4180) does not end the record. Feed it chunks, then `end()`.
 */
class CsvLines {
  #pending = '';
  #quoted = false;

  /** The records completed by `text`, without their line break (`\n` or `\r\n`). */
  push(text: string): string[] {
    const out: string[] = [];
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      const piece = text.slice(from, nl < 0 ? text.length : nl);
      // An escaped quote ("") toggles twice: only the parity matters.
      let quotes = 0;
      for (let i = piece.indexOf('"'); i >= 0; i = piece.indexOf('"', i + 1)) quotes++;
      if (quotes % 2 === 1) this.#quoted = !this.#quoted;
      this.#pending += piece;
      if (nl < 0) return out;
      if (this.#quoted) {
        this.#pending += '\n';
      } else {
        out.push(this.#pending.endsWith('\r') ? this.#pending.slice(0, -1) : this.#pending);
        this.#pending = '';
      }
      from = nl + 1;
    }
  }

  /** The last record, when the text does not end with a line break. */
  end(): string[] {
    const last = this.#pending.endsWith('\r') ? this.#pending.slice(0, -1) : this.#pending;
    this.#pending = '';
    return last === '' ? [] : [last];
  }
}

/**
 * The abort controller of one call: the caller's `signal` and the timeout
 * both abort it. The timer is armed around each wait (for a stream: the
 * answer, then each chunk), so it bounds how long the service may stay
 * silent, never the time the caller spends between chunks.
 */
class CallGuard {
  readonly controller = new AbortController();
  timedOut = false;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #forward: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(signal: AbortSignal | undefined, timeoutMs: number) {
    this.#signal = signal;
    this.#timeoutMs = timeoutMs;
    this.#forward = () => this.controller.abort(signal === undefined ? undefined : abortReason(signal));
    signal?.addEventListener('abort', this.#forward, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** (Re)starts the timer. */
  arm(): void {
    this.disarm();
    if (this.#timeoutMs > 0 && Number.isFinite(this.#timeoutMs)) {
      this.#timer = setTimeout(() => {
        this.timedOut = true;
        this.controller.abort();
      }, this.#timeoutMs);
    }
  }

  /** Stops the timer. */
  disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stops the timer and forgets the caller's signal. */
  dispose(): void {
    this.disarm();
    this.#signal?.removeEventListener('abort', this.#forward);
  }

  /** What to throw for `error`, caught while waiting for the service. */
  failure(error: unknown, method: string, where: string, waitingFor: string): unknown {
    if (this.#signal?.aborted) return abortReason(this.#signal);
    if (TriggersError.is(error)) return error;
    if (this.timedOut) {
      return new NetworkError(`${method} ${where}: no ${waitingFor} within ${this.#timeoutMs} ms`, {
        cause: error,
        timedOut: true,
        method,
        url: where,
      });
    }
    return new NetworkError(`${method} ${where} failed: ${describe(error)}`, {
      cause: error,
      timedOut: false,
      method,
      url: where,
    });
  }
}

function bodyBytes(body: unknown): Uint8Array | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  const text = JSON.stringify(body);
  if (text === undefined) throw new TypeError('body is not JSON-serialisable');
  return encoder.encode(text);
}

/** A short description of why `fetch` rejected (Node's undici hides the reason in `cause`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = (error as { cause?: unknown }).cause;
  if (inner instanceof Error) {
    const code = (inner as { code?: unknown }).code;
    return `${error.message}: ${typeof code === 'string' ? `${code} ` : ''}${inner.message}`.trim();
  }
  return error.message;
}

function abortReason(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** The `error.code` of an error envelope, if `text` is one. */
function envelopeCode(text: string): unknown {
  try {
    return (JSON.parse(text) as { error?: { code?: unknown } } | null)?.error?.code;
  } catch {
    return undefined;
  }
}

/** Milliseconds until just after the next whole second of the clock. */
function untilNextSecond(): number {
  return 1000 - (Date.now() % 1000) + 5;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The response's `X-Request-Id`, when present and not empty. */
function requestIdOf(headers: Headers): string | undefined {
  return headers.get('x-request-id') || undefined;
}

/** Parses an error response into an {@link ApiError}. */
function apiError(response: Response, text: string, method: string, path: string): ApiError {
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's page): keep the text.
  }
  const envelope = (body as { error?: { code?: unknown; message?: unknown; request_id?: unknown } } | null)?.error;
  const code = typeof envelope?.code === 'string' ? envelope.code : `http_${response.status}`;
  const message =
    typeof envelope?.message === 'string'
      ? envelope.message
      : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const requestId =
    requestIdOf(response.headers) ?? (typeof envelope?.request_id === 'string' ? envelope.request_id : undefined);
  return new ApiError({ status: response.status, code, message, requestId, body, headers: response.headers, method, path });
}

/**
 * A client of the Triggers API.
 *
 * ```ts
 * const client = new TriggersClient({
 *   baseUrl: 'https://triggers.example.com',
 *   apiKey: process.env.TRIGGERS_API_KEY,
 *   signing: { keyId: 'key_…', secret: process.env.TRIGGERS_SIGNING_SECRET! }, // optional
 * });
 * const event = await client.createEvent({ source: 'shop', event_type: 'order.created', payload: { order_id: 1 } });
 * for await (const pending of client.iterateInbox({ source: 'shop' })) await client.ackEvent(pending.event_id);
 * ```
 *
 * Every method rejects with an {@link ApiError} (error status), a
 * {@link NetworkError} (no answer, timeout) or a {@link SignatureError}
 * (signing failed), all {@link TriggersError}s, or with the reason of an
 * aborted `signal`. The API key and the signing secret are kept in private
 * fields: they never appear in `console.log`, `JSON.stringify` or errors.
 */
export class TriggersClient implements OperationMethods {
  /** The base URL requests go to. */
  readonly baseUrl: string;
  readonly #base: URL;
  /** The base URL's path without its trailing slash (`''` at the root). */
  readonly #basePath: string;
  readonly #apiKey: string | undefined;
  readonly #signing: Readonly<SigningOptions> | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: FetchLike | undefined;
  readonly #userAgent: string | undefined;
  /** Signatures sent during the current second, by signature. */
  readonly #recent = new Map<string, number>();

  constructor(options: TriggersClientOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('TriggersClient needs an options object');
    this.#base = parseBaseUrl(options.baseUrl);
    this.#basePath = this.#base.pathname.replace(/\/+$/, '');
    this.baseUrl = this.#base.origin + this.#basePath;
    this.#apiKey = options.apiKey === undefined ? undefined : nonEmptyString(options.apiKey, 'apiKey');
    if (options.signing !== undefined) {
      const { keyId, secret } = options.signing ?? {};
      if (typeof secret !== 'string' || secret === '') {
        throw new SignatureError('invalid_secret', 'signing.secret must be a non-empty string');
      }
      this.#signing = Object.freeze({ keyId: nonEmptyString(keyId, 'signing.keyId'), secret });
    }
    this.#timeoutMs = options.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : timeoutOf(options.timeoutMs, 'timeoutMs');
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('fetch must be a function');
    this.#fetch = options.fetch;
    if (this.#fetch === undefined && typeof globalThis.fetch !== 'function') {
      throw new TypeError('no global fetch on this platform (Node 18+ has one): pass options.fetch');
    }
    const userAgent = options.userAgent ?? currentPlatform().userAgent;
    if (userAgent !== undefined && typeof userAgent !== 'string') throw new TypeError('userAgent must be a string');
    this.#userAgent = userAgent === '' ? undefined : userAgent;
  }

  /** Whether requests are signed, and with which key id (the secret is never shown). */
  get signingKeyId(): string | undefined {
    return this.#signing?.keyId;
  }

  /** What `console.log` and `util.inspect` show: no secrets. */
  [INSPECT](): string {
    return this.toString();
  }

  /** No secrets. */
  toJSON(): { baseUrl: string; signingKeyId: string | undefined } {
    return { baseUrl: this.baseUrl, signingKeyId: this.signingKeyId };
  }

  /** No secrets. */
  toString(): string {
    const signed = this.#signing ? `, signed with ${this.#signing.keyId}` : '';
    return `TriggersClient(${this.baseUrl}${signed})`;
  }

  // ------------------------------------------------------------- transport

  /**
   * Sends one request to the API and returns the parsed answer: the escape
   * hatch for what the typed methods do not cover (a response header such as
   * `Idempotent-Replayed`, a new endpoint). Authenticated and signed like
   * every other call.
   *
   * @param path the path below the base URL, starting with `/` (e.g. `/v1/inbox`), already percent-encoded
   */
  async request<T = unknown>(method: string, path: string, options: RawRequestOptions = {}): Promise<ApiResponse<T>> {
    nonEmptyString(method, 'method');
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError("path must be a string starting with '/'");
    if (path.includes('?') || path.includes('#')) throw new TypeError('path must not contain a query or a fragment: use options.query');
    return this.#send<T>(method.toUpperCase(), path, true, options);
  }

  /**
   * Sends one request and reads its whole answer: parsed JSON (`format`
   * `json`), or the text of a `text/csv` answer (`csv`).
   */
  async #send<T>(
    method: string,
    path: string,
    auth: boolean,
    options: RawRequestOptions,
    format: 'json' | 'csv' = 'json',
  ): Promise<ApiResponse<T>> {
    const timeoutMs = options.timeoutMs === undefined ? this.#timeoutMs : timeoutOf(options.timeoutMs, 'timeoutMs');
    const prepared = this.#prepare(method, path, auth, options, format === 'csv' ? 'text/csv' : 'application/json');
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    const guard = new CallGuard(signal, timeoutMs);
    let response: Response;
    let text: string;
    try {
      guard.arm();
      [response, text] = (await this.#exchange(prepared, guard.signal, false)) as [Response, string];
    } catch (error) {
      throw guard.failure(error, method, prepared.where, 'answer');
    } finally {
      guard.dispose();
    }

    const { url } = prepared;
    if (!response.ok) throw apiError(response, text, method, url.pathname);
    const invalid = (what: string) =>
      new ApiError({
        status: response.status,
        code: 'invalid_response',
        message: `${method} ${url.pathname}: the ${response.status} response is not ${what}`,
        requestId: requestIdOf(response.headers),
        body: text,
        headers: response.headers,
        method,
        path: url.pathname,
      });
    let data: unknown;
    if (format === 'csv') {
      if (!hasMediaType(response.headers, 'text/csv')) throw invalid('CSV (text/csv)');
      data = text;
    } else if (text !== '') {
      try {
        data = JSON.parse(text);
      } catch {
        throw invalid('JSON');
      }
    }
    return {
      status: response.status,
      headers: response.headers,
      requestId: requestIdOf(response.headers),
      data: data as T,
    };
  }

  /**
   * Sends a request whose answer is read as it arrives: yields the body's
   * chunks. The request goes out at the first `next()`; leaving the loop
   * early cancels the rest of the body. `timeoutMs` bounds each wait (the
   * answer, then each chunk), not the whole transfer.
   */
  async *#stream(
    method: string,
    path: string,
    options: RawRequestOptions,
    mediaType: string,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    const timeoutMs = options.timeoutMs === undefined ? this.#timeoutMs : timeoutOf(options.timeoutMs, 'timeoutMs');
    const prepared = this.#prepare(method, path, true, options, mediaType);
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    const guard = new CallGuard(signal, timeoutMs);
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let finished = false;
    try {
      let response: Response;
      let text: string | undefined;
      try {
        guard.arm();
        [response, text] = await this.#exchange(prepared, guard.signal, true);
      } catch (error) {
        throw guard.failure(error, method, prepared.where, 'answer');
      }
      const { url } = prepared;
      if (!response.ok) throw apiError(response, text ?? '', method, url.pathname);
      if (!hasMediaType(response.headers, mediaType)) {
        await response.body?.cancel().catch(() => undefined);
        throw new ApiError({
          status: response.status,
          code: 'invalid_response',
          message: `${method} ${url.pathname}: the ${response.status} response is not ${mediaType} (${response.headers.get('content-type') ?? 'no content type'})`,
          requestId: requestIdOf(response.headers),
          body: undefined,
          headers: response.headers,
          method,
          path: url.pathname,
        });
      }
      if (response.body === null) return;
      reader = response.body.getReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          guard.arm();
          chunk = await reader.read();
        } catch (error) {
          throw guard.failure(error, method, prepared.where, 'data');
        }
        guard.disarm();
        if (chunk.done) {
          finished = true;
          return;
        }
        yield chunk.value;
      }
    } finally {
      guard.dispose();
      // Left early (break, return, an error): stop downloading.
      if (reader !== undefined && !finished) await reader.cancel().catch(() => undefined);
    }
  }

  /** The URL, headers and body of a request. */
  #prepare(method: string, path: string, auth: boolean, options: RawRequestOptions, accept: string): Prepared {
    const { requestId } = options;
    const url = new URL(this.#base.href);
    url.pathname = this.#basePath + path;
    url.search = queryString(options.query);
    const body = bodyBytes(options.body);

    // Set, not appended: the client's own headers replace any of the caller's (whatever their case).
    const headers = new Headers(options.headers);
    headers.set('Accept', accept);
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    if (this.#userAgent !== undefined) headers.set('User-Agent', this.#userAgent);
    if (requestId !== undefined) headers.set('X-Request-Id', nonEmptyString(requestId, 'requestId'));
    if (auth && this.#apiKey !== undefined) headers.set('Authorization', `Bearer ${this.#apiKey}`);
    const signing = auth ? this.#signing : undefined;
    return { method, url, where: `${url.origin}${url.pathname}`, headers, body, signing };
  }

  /**
   * Sends a prepared request and returns the response with its text (for a
   * success with `keepBody`: the body unread, and no text). When the service
   * refuses the signature as replayed, signs and sends it again, once.
   */
  async #exchange(request: Prepared, signal: AbortSignal, keepBody: boolean): Promise<[Response, string | undefined]> {
    const { method, url, headers, body, signing } = request;
    const once = async (): Promise<[Response, string | undefined]> => {
      if (signing !== undefined) {
        // The exact target of the request line and the exact bytes sent.
        const signed = await this.#sign(signing, method, url.pathname + url.search, body, signal);
        for (const [name, value] of Object.entries(signed)) headers.set(name, value);
        headers.set('X-Key-Id', signing.keyId);
      }
      const doFetch = this.#fetch ?? (globalThis.fetch as FetchLike);
      const answer = await doFetch(url.href, { method, headers, body: body as BodyInit | undefined, signal });
      return [answer, keepBody && answer.ok ? undefined : await answer.text()];
    };
    let [response, text] = await once();
    if (signing !== undefined && response.status === 401 && envelopeCode(text ?? '') === 'replayed_signature') {
      // Someone else (another client or process with this key) sent the
      // same request, signed, in the same second: the service refused this
      // copy before processing it. Sign it again in the next second.
      await sleep(untilNextSecond(), signal);
      [response, text] = await once();
    }
    return [response, text];
  }

  /**
   * Signs one request, with a signature this client has not sent yet: the
   * service accepts each signature once, and two identical requests signed
   * in the same second would have the same one, so the second waits for the
   * next second.
   */
  async #sign(
    signing: Readonly<SigningOptions>,
    method: string,
    target: string,
    body: Uint8Array | undefined,
    signal: AbortSignal,
  ): Promise<RequestSignatureHeaders> {
    for (;;) {
      const now = Math.floor(Date.now() / 1000);
      for (const [signature, second] of this.#recent) if (second < now) this.#recent.delete(signature);
      const signed = signRequest({ secret: signing.secret, method, target, body, timestamp: now });
      if (!this.#recent.has(signed.signature)) {
        this.#recent.set(signed.signature, now);
        return signed.headers;
      }
      await sleep(untilNextSecond(), signal);
    }
  }

  /** Calls one operation of the table and returns its body. */
  async #call<T>(
    id: OperationId,
    params: Readonly<Record<string, string>>,
    init: RawRequestOptions,
    format: 'json' | 'csv' = 'json',
  ): Promise<T> {
    const op: Operation = OPERATIONS[id];
    for (const name of Object.keys(params)) nonEmptyString(params[name], name);
    const response = await this.#send<T>(op.method satisfies Method, expand(op.path, params), op.auth, init, format);
    return response.data;
  }

  /** Follows `next_cursor` from `query.cursor` (or the first page) to the last page. */
  async *#paginate<P extends Page, T>(
    fetchPage: (cursor: string | undefined) => Promise<P>,
    items: (page: P) => readonly T[],
    cursor: string | undefined,
  ): AsyncGenerator<T, void, undefined> {
    let next = cursor;
    do {
      const page = await fetchPage(next);
      yield* items(page);
      next = page.next_cursor ?? undefined;
    } while (next !== undefined);
  }

  // ---------------------------------------------------------------- events

  /**
   * Ingests an event (`POST /v1/events`). With an `idempotency_key`, a retry
   * within 24 hours returns the original event instead of storing it again
   * (and a different event with the same key is `409 idempotency_key_reused`).
   */
  createEvent(body: CreateEventRequest, options: RequestOptions = {}): Promise<Event> {
    return this.#call('createEvent', {}, { ...options, body });
  }

  /** One event, pending or acknowledged (`GET /v1/events/{event_id}`). */
  getEvent(eventId: string, options: RequestOptions = {}): Promise<Event> {
    return this.#call('getEvent', { event_id: eventId }, options);
  }

  /** Acknowledges an event: it leaves the inbox (`POST /v1/events/{event_id}/ack`; idempotent). */
  ackEvent(eventId: string, options: RequestOptions = {}): Promise<Event> {
    return this.#call('ackEvent', { event_id: eventId }, options);
  }

  /** One page of the inbox: unacknowledged events, oldest first (`GET /v1/inbox`). */
  listInbox(query: InboxQuery = {}, options: RequestOptions = {}): Promise<EventList> {
    return this.#call('listInbox', {}, { ...options, query });
  }

  /** Every unacknowledged event, page after page (`limit` is the page size). */
  iterateInbox(query: InboxQuery = {}, options: RequestOptions = {}): AsyncGenerator<Event, void, undefined> {
    return this.#paginate((cursor) => this.listInbox({ ...query, cursor }, options), (p) => p.events, query.cursor);
  }

  // -------------------------------------------------------------- API keys

  /** Creates an API key (admin keys only). Its `api_key` and `signing_secret` are returned this once. */
  createApiKey(body: CreateApiKeyRequest, options: RequestOptions = {}): Promise<ApiKeyWithSecrets> {
    return this.#call('createApiKey', {}, { ...options, body });
  }

  /** One page of the account's API keys (`GET /v1/api-keys`). */
  listApiKeys(query: ApiKeyListQuery = {}, options: RequestOptions = {}): Promise<ApiKeyList> {
    return this.#call('listApiKeys', {}, { ...options, query });
  }

  /** Every API key of the account, page after page. */
  iterateApiKeys(query: ApiKeyListQuery = {}, options: RequestOptions = {}): AsyncGenerator<ApiKey, void, undefined> {
    return this.#paginate((cursor) => this.listApiKeys({ ...query, cursor }, options), (p) => p.api_keys, query.cursor);
  }

  /** One API key, without secrets (`GET /v1/api-keys/{key_id}`). */
  getApiKey(keyId: string, options: RequestOptions = {}): Promise<ApiKey> {
    return this.#call('getApiKey', { key_id: keyId }, options);
  }

  /** Revokes an API key and all its versions (`DELETE /v1/api-keys/{key_id}`). */
  revokeApiKey(keyId: string, options: RequestOptions = {}): Promise<ApiKey> {
    return this.#call('revokeApiKey', { key_id: keyId }, options);
  }

  /**
   * Rotates an API key: a new version with new secrets (returned this once);
   * the previous version keeps working for `transition_seconds`.
   */
  rotateApiKey(keyId: string, body?: RotateApiKeyRequest, options: RequestOptions = {}): Promise<RotatedApiKey> {
    return this.#call('rotateApiKey', { key_id: keyId }, { ...options, body });
  }

  /** The versions of an API key, oldest first (`GET /v1/api-keys/{key_id}/versions`). */
  listApiKeyVersions(keyId: string, options: RequestOptions = {}): Promise<ApiKeyVersionList> {
    return this.#call('listApiKeyVersions', { key_id: keyId }, options);
  }

  // -------------------------------------------------------------- webhooks

  /** Registers a webhook (admin keys only). Its `secret` is returned this once: store it with the receiver. */
  createWebhook(body: CreateWebhookRequest, options: RequestOptions = {}): Promise<WebhookWithSecret> {
    return this.#call('createWebhook', {}, { ...options, body });
  }

  /** One page of the account's webhooks (`GET /v1/webhooks`). */
  listWebhooks(query: WebhookListQuery = {}, options: RequestOptions = {}): Promise<WebhookList> {
    return this.#call('listWebhooks', {}, { ...options, query });
  }

  /** Every webhook of the account, page after page. */
  iterateWebhooks(query: WebhookListQuery = {}, options: RequestOptions = {}): AsyncGenerator<Webhook, void, undefined> {
    return this.#paginate((cursor) => this.listWebhooks({ ...query, cursor }, options), (p) => p.webhooks, query.cursor);
  }

  /** One webhook, without its secret (`GET /v1/webhooks/{webhook_id}`). */
  getWebhook(webhookId: string, options: RequestOptions = {}): Promise<Webhook> {
    return this.#call('getWebhook', { webhook_id: webhookId }, options);
  }

  /** Changes the given fields of a webhook; absent fields keep their value (`PUT /v1/webhooks/{webhook_id}`). */
  updateWebhook(webhookId: string, body: UpdateWebhookRequest, options: RequestOptions = {}): Promise<Webhook> {
    return this.#call('updateWebhook', { webhook_id: webhookId }, { ...options, body });
  }

  /** Deletes a webhook (`DELETE /v1/webhooks/{webhook_id}`, `204`). */
  async deleteWebhook(webhookId: string, options: RequestOptions = {}): Promise<void> {
    await this.#call<undefined>('deleteWebhook', { webhook_id: webhookId }, options);
  }

  /** Sends a signed `webhook.test` event now and reports what the receiver answered (`success`). */
  testWebhook(webhookId: string, options: RequestOptions = {}): Promise<TestDeliveryResult> {
    return this.#call('testWebhook', { webhook_id: webhookId }, options);
  }

  /** Replaces a webhook's secret (returned this once); the old one keeps signing for `transition_seconds`. */
  rotateWebhookSecret(
    webhookId: string,
    body?: RotateWebhookSecretRequest,
    options: RequestOptions = {},
  ): Promise<WebhookWithSecret> {
    return this.#call('rotateWebhookSecret', { webhook_id: webhookId }, { ...options, body });
  }

  /** One page of a webhook's delivery attempts, newest first. */
  listWebhookDeliveries(webhookId: string, query: DeliveryListQuery = {}, options: RequestOptions = {}): Promise<AttemptList> {
    return this.#call('listWebhookDeliveries', { webhook_id: webhookId }, { ...options, query });
  }

  /** Every delivery attempt of a webhook, newest first, page after page. */
  iterateWebhookDeliveries(
    webhookId: string,
    query: DeliveryListQuery = {},
    options: RequestOptions = {},
  ): AsyncGenerator<Attempt, void, undefined> {
    return this.#paginate(
      (cursor) => this.listWebhookDeliveries(webhookId, { ...query, cursor }, options),
      (p) => p.attempts,
      query.cursor,
    );
  }

  // ---------------------------------------------------------- dead letters

  /** One page of the account's dead letters, newest first (filters: `webhook_id`, `since`, `until`). */
  listDeadLetters(query: DeadLetterListQuery = {}, options: RequestOptions = {}): Promise<DeadLetterList> {
    return this.#call('listDeadLetters', {}, { ...options, query });
  }

  /** Every dead letter matching the filters, page after page. */
  iterateDeadLetters(query: DeadLetterListQuery = {}, options: RequestOptions = {}): AsyncGenerator<DeadLetter, void, undefined> {
    return this.#paginate(
      (cursor) => this.listDeadLetters({ ...query, cursor }, options),
      (p) => p.dead_letters,
      query.cursor,
    );
  }

  /** Enqueues one dead letter for delivery again (`202`). */
  replayDeadLetter(deliveryId: string, options: RequestOptions = {}): Promise<ReplayResult> {
    return this.#call('replayDeadLetter', { delivery_id: deliveryId }, options);
  }

  /** Enqueues every not yet replayed dead letter of a webhook in `[since, until)` (up to 10,000 per call: see `truncated`). */
  replayDeadLetters(body: BulkReplayRequest, options: RequestOptions = {}): Promise<BulkReplayResult> {
    return this.#call('replayDeadLetters', {}, { ...options, body });
  }

  // ------------------------------------------------------------- analytics

  /**
   * Totals, rates and latency percentiles of the account over `[from, to)`
   * (`GET /v1/analytics/summary`; default: the last 24 hours; admin keys
   * only). `from` and `to` are RFC 3339 strings or `Date`s, rounded to the
   * minute by the service.
   */
  async getAnalyticsSummary(query: AnalyticsRangeQuery = {}, options: RequestOptions = {}): Promise<AnalyticsSummary> {
    return this.#call('getAnalyticsSummary', {}, { ...options, query: analyticsQuery(query) });
  }

  /**
   * One metric per bucket over a range, empty buckets included
   * (`GET /v1/analytics/timeseries`; defaults: `metric` `events`, `bucket`
   * `hour`, the last 24 hours). `source` and `event_type` filter the
   * `events` metric only (`400 filter_not_supported` otherwise); more than
   * 10,000 buckets is `400 too_many_points`.
   */
  async getAnalyticsTimeseries(query: AnalyticsTimeseriesQuery = {}, options: RequestOptions = {}): Promise<AnalyticsTimeseries> {
    return this.#call('getAnalyticsTimeseries', {}, { ...options, query: analyticsQuery(query) });
  }

  /**
   * Counts over a range grouped `by` one dimension, largest first, at most
   * `limit` rows (1 to 1000, default 10) and the rest in `other`
   * (`GET /v1/analytics/breakdown`).
   */
  async getAnalyticsBreakdown(query: AnalyticsBreakdownQuery, options: RequestOptions = {}): Promise<AnalyticsBreakdown> {
    if (query === null || typeof query !== 'object') throw new TypeError('query must be an object with `by`');
    nonEmptyString(query.by, 'query.by');
    return this.#call('getAnalyticsBreakdown', {}, { ...options, query: analyticsQuery(query) });
  }

  /**
   * Every non-empty bucket of a range, oldest first, as JSON
   * (`GET /v1/analytics/export?format=json`; default `bucket` `hour`). The
   * whole answer is held in memory: for long ranges prefer
   * {@link iterateAnalyticsCsv}, which reads the CSV export as it arrives.
   */
  async exportAnalytics(query: AnalyticsExportQuery = {}, options: RequestOptions = {}): Promise<AnalyticsExport> {
    return this.#call('exportAnalytics', {}, { ...options, query: { ...analyticsQuery(query), format: 'json' } });
  }

  /**
   * The same export as CSV text (`GET /v1/analytics/export?format=csv`): a
   * header line, then one line per bucket (RFC 4180, the columns of
   * `AnalyticsExportRow`, empty cells for `null`). A success that is not
   * `text/csv` rejects with an {@link ApiError} `invalid_response`.
   */
  async exportAnalyticsCsv(query: AnalyticsExportQuery = {}, options: RequestOptions = {}): Promise<string> {
    return this.#call('exportAnalytics', {}, { ...options, query: { ...analyticsQuery(query), format: 'csv' } }, 'csv');
  }

  /**
   * The CSV export read as it arrives, one record at a time: the header line
   * first, then one line per bucket, without line breaks (a quoted field may
   * still contain one). The request is sent at the first iteration; leaving
   * the loop early cancels the download. `timeoutMs` bounds each wait for
   * the service (the answer, then each chunk), not the whole export, and
   * `signal` aborts it at any point.
   *
   * ```ts
   * for await (const line of client.iterateAnalyticsCsv({ bucket: 'day', from: new Date('2026-01-01') })) {
   *   out.write(`${line}\n`);
   * }
   * ```
   */
  async *iterateAnalyticsCsv(
    query: AnalyticsExportQuery = {},
    options: RequestOptions = {},
  ): AsyncGenerator<string, void, undefined> {
    const op = OPERATIONS.exportAnalytics;
    const init = { ...options, query: { ...analyticsQuery(query), format: 'csv' } };
    const decoder = new TextDecoder();
    const lines = new CsvLines();
    for await (const chunk of this.#stream(op.method, op.path, init, 'text/csv')) {
      yield* lines.push(decoder.decode(chunk, { stream: true }));
    }
    yield* lines.push(decoder.decode());
    yield* lines.end();
  }

  // ------------------------------------------------------------------ meta

  /** The service's OpenAPI document (no authentication). */
  getOpenApi(options: RequestOptions = {}): Promise<OpenApiDocument> {
    return this.#call('getOpenApi', {}, options);
  }

  /** Liveness: `{ status: 'ok' }` while the service serves requests (no authentication). */
  health(options: RequestOptions = {}): Promise<Health> {
    return this.#call('health', {}, options);
  }
}
