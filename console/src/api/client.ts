/**
 * A small typed fetch layer over the service's API (docs/openapi.json).
 *
 * Every call carries the API key as `Authorization: Bearer …`. Errors come
 * back as `ApiError` (the service's JSON envelope: `error.code`,
 * `error.message`, `error.request_id`) or `NetworkError` (no response). A 401
 * from any call also reaches `onUnauthorized`, so the app can return to the
 * login page.
 */
import type {
  AnalyticsBreakdown,
  AnalyticsBreakdownQuery,
  AnalyticsExportFile,
  AnalyticsExportQuery,
  AnalyticsRange,
  AnalyticsSummary,
  AnalyticsTimeseries,
  AnalyticsTimeseriesQuery,
  AttemptList,
  CreateEventRequest,
  CreateWebhookRequest,
  DeadLetterList,
  Event,
  PageQuery,
  ReplayResult,
  RotateWebhookSecretRequest,
  TestDeliveryResult,
  UpdateWebhookRequest,
  Webhook,
  WebhookList,
  WebhookWithSecret,
} from './types';

/** An error response of the API (status >= 400). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** The stable error code (`error.code`), or `http_<status>` when the body was not the envelope. */
    readonly code: string,
    message: string,
    /** `error.request_id` (or the `X-Request-Id` header), when there was one. */
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

/** No HTTP response at all (the service is unreachable, or the request was refused by the browser). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

export interface ClientOptions {
  /** The service's origin, e.g. `http://127.0.0.1:8080`; empty for the page's own origin (the console). */
  baseUrl?: string;
  /** The API key (`trgk_…`). */
  apiKey: string;
  /** Called with every 401 before it is thrown. */
  onUnauthorized?: (error: ApiError) => void;
  /** The fetch to use (defaults to the global one). */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | null | undefined>;

function queryString(q: Query | undefined): string {
  if (!q) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads an error response into an `ApiError`, whatever its body. */
export async function errorFrom(res: Response): Promise<ApiError> {
  const headerId = res.headers.get('x-request-id');
  let text = '';
  try {
    text = await res.text();
  } catch {
    // The body could not be read: fall through with an empty one.
  }
  try {
    const body: unknown = JSON.parse(text);
    const err = isRecord(body) ? body.error : undefined;
    if (isRecord(err) && typeof err.code === 'string') {
      const message = typeof err.message === 'string' ? err.message : res.statusText;
      const requestId = typeof err.request_id === 'string' ? err.request_id : headerId;
      return new ApiError(res.status, err.code, message, requestId);
    }
  } catch {
    // Not JSON: a proxy's page, say.
  }
  const excerpt = text.trim().slice(0, 200);
  const message = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${
    excerpt && !excerpt.startsWith('<') ? `: ${excerpt}` : ''
  }`;
  return new ApiError(res.status, `http_${res.status}`, message, headerId);
}

function encode(id: string): string {
  return encodeURIComponent(id);
}

export class ApiClient {
  readonly #apiKey: string;
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #onUnauthorized: ((error: ApiError) => void) | undefined;

  constructor(options: ClientOptions) {
    this.#apiKey = options.apiKey;
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#onUnauthorized = options.onUnauthorized;
  }

  /** Never shows the key. */
  toString(): string {
    return `ApiClient(${this.#baseUrl || 'same origin'})`;
  }

  toJSON(): { baseUrl: string } {
    return { baseUrl: this.#baseUrl };
  }

  /**
   * One request with the key; the response when it is a success. Errors:
   * `ApiError` (status >= 400, after `onUnauthorized` for a 401),
   * `NetworkError`, or the `AbortError` of `signal`.
   */
  async #send(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; signal?: AbortSignal | undefined; accept?: string } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#apiKey}`,
      Accept: options.accept ?? 'application/json',
    };
    const init: RequestInit = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    if (options.signal) init.signal = options.signal;
    let res: Response;
    try {
      res = await this.#fetch(`${this.#baseUrl}${path}${queryString(options.query)}`, init);
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') throw e;
      throw new NetworkError(
        `could not reach the service (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    if (!res.ok) {
      const error = await errorFrom(res);
      if (res.status === 401) this.#onUnauthorized?.(error);
      throw error;
    }
    return res;
  }

  /** One request; JSON in and out. `undefined` for 204. */
  async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const res = await this.#send(method, path, options);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'invalid_response', 'the service answered with invalid JSON', res.headers.get('x-request-id'));
    }
  }

  // Webhooks

  listWebhooks(page: PageQuery = {}, signal?: AbortSignal): Promise<WebhookList> {
    return this.request('GET', '/v1/webhooks', { query: { ...page }, signal });
  }

  getWebhook(id: string, signal?: AbortSignal): Promise<Webhook> {
    return this.request('GET', `/v1/webhooks/${encode(id)}`, { signal });
  }

  createWebhook(body: CreateWebhookRequest): Promise<WebhookWithSecret> {
    return this.request('POST', '/v1/webhooks', { body });
  }

  updateWebhook(id: string, body: UpdateWebhookRequest): Promise<Webhook> {
    return this.request('PUT', `/v1/webhooks/${encode(id)}`, { body });
  }

  deleteWebhook(id: string): Promise<void> {
    return this.request('DELETE', `/v1/webhooks/${encode(id)}`);
  }

  testWebhook(id: string): Promise<TestDeliveryResult> {
    return this.request('POST', `/v1/webhooks/${encode(id)}/test`);
  }

  rotateWebhookSecret(id: string, body: RotateWebhookSecretRequest = {}): Promise<WebhookWithSecret> {
    return this.request('POST', `/v1/webhooks/${encode(id)}/rotate-secret`, { body });
  }

  listDeliveries(id: string, page: PageQuery = {}, signal?: AbortSignal): Promise<AttemptList> {
    return this.request('GET', `/v1/webhooks/${encode(id)}/deliveries`, { query: { ...page }, signal });
  }

  // Dead letters

  listDeadLetters(
    query: PageQuery & { webhook_id?: string; since?: string; until?: string } = {},
    signal?: AbortSignal,
  ): Promise<DeadLetterList> {
    return this.request('GET', '/v1/dead-letters', { query: { ...query }, signal });
  }

  replayDeadLetter(deliveryId: string): Promise<ReplayResult> {
    return this.request('POST', `/v1/dead-letters/${encode(deliveryId)}/replay`);
  }

  // Events

  createEvent(body: CreateEventRequest): Promise<Event> {
    return this.request('POST', '/v1/events', { body });
  }

  // Analytics (admin keys)

  /** Totals, rates and latency percentiles over a range (default: the last 24 hours). */
  analyticsSummary(range: AnalyticsRange = {}, signal?: AbortSignal): Promise<AnalyticsSummary> {
    return this.request('GET', '/v1/analytics/summary', { query: { ...range }, signal });
  }

  /** One metric per bucket over a range, empty buckets included (at most 10,000 points). */
  analyticsTimeseries(query: AnalyticsTimeseriesQuery = {}, signal?: AbortSignal): Promise<AnalyticsTimeseries> {
    return this.request('GET', '/v1/analytics/timeseries', { query: { ...query }, signal });
  }

  /** Counts over a range grouped by one dimension, largest first. */
  analyticsBreakdown(query: AnalyticsBreakdownQuery, signal?: AbortSignal): Promise<AnalyticsBreakdown> {
    return this.request('GET', '/v1/analytics/breakdown', { query: { ...query }, signal });
  }

  /**
   * Every non-empty bucket of a range as a CSV or JSON file. The key goes in
   * the Authorization header, so this is a fetch, not a link: the caller
   * saves the `Blob` (see `saveFile`).
   */
  async exportAnalytics(query: AnalyticsExportQuery, signal?: AbortSignal): Promise<AnalyticsExportFile> {
    const accept = query.format === 'csv' ? 'text/csv' : 'application/json';
    const res = await this.#send('GET', '/v1/analytics/export', { query: { ...query }, signal, accept });
    const blob = await res.blob();
    const contentType = res.headers.get('content-type') ?? accept;
    return {
      blob: blob.type ? blob : new Blob([blob], { type: contentType }),
      filename: exportFilename(query, res.headers.get('content-disposition')),
      contentType,
    };
  }
}

/** The name a `Content-Disposition` header suggests, when it is a plain, safe file name. */
export function dispositionFilename(header: string | null): string | null {
  if (!header) return null;
  const m = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(header);
  const name = m?.[1] ?? m?.[2];
  return name && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name) ? name : null;
}

/** `2026-03-01T09:05:00.000Z` -> `20260301T0905Z` (file-name friendly). */
function compactTime(t: string | undefined): string | null {
  if (!t) return null;
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace(/[-:]/g, '').replace(/\d\d\.\d{3}Z$/, 'Z');
}

/**
 * The file name of an export: the service's (`Content-Disposition`) when it
 * gives a safe one, else `triggers-analytics-<bucket>-<from>-<to>.<format>`.
 */
export function exportFilename(query: AnalyticsExportQuery, contentDisposition: string | null): string {
  const fromHeader = dispositionFilename(contentDisposition);
  if (fromHeader) return fromHeader;
  const parts = ['triggers-analytics', query.bucket ?? 'hour', compactTime(query.from), compactTime(query.to)].filter(
    (p): p is string => Boolean(p),
  );
  return `${parts.join('-')}.${query.format}`;
}
