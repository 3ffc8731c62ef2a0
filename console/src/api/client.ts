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

  /** One request; JSON in and out. `undefined` for 204. */
  async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#apiKey}`,
      Accept: 'application/json',
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

  // Events (the dashboard's next part reads /v1/analytics/*)

  createEvent(body: CreateEventRequest): Promise<Event> {
    return this.request('POST', '/v1/events', { body });
  }
}
