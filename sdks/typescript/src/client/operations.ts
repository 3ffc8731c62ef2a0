/**
 * Every operation of `docs/openapi.json`, by `operationId`: its method, its
 * path template and whether it needs an API key. `satisfies` makes the
 * compiler refuse this table when an operation of the generated types is
 * missing (after `npm run gen:types`), and test/client-offline.test.mjs
 * compares it with openapi.json itself.
 *
 * @internal
 */
import type { operations } from '../generated/openapi.js';

/** An HTTP method the API uses. */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One operation: method, path template (`{name}` placeholders), authentication. @internal */
export interface Operation {
  readonly method: Method;
  readonly path: string;
  /** False for the public operations (`security: []`): no API key, no signature. */
  readonly auth: boolean;
}

/** Every `operationId` of the API. */
export type OperationId = keyof operations;

export const OPERATIONS = {
  createEvent: { method: 'POST', path: '/v1/events', auth: true },
  getEvent: { method: 'GET', path: '/v1/events/{event_id}', auth: true },
  ackEvent: { method: 'POST', path: '/v1/events/{event_id}/ack', auth: true },
  listInbox: { method: 'GET', path: '/v1/inbox', auth: true },
  createApiKey: { method: 'POST', path: '/v1/api-keys', auth: true },
  listApiKeys: { method: 'GET', path: '/v1/api-keys', auth: true },
  getApiKey: { method: 'GET', path: '/v1/api-keys/{key_id}', auth: true },
  revokeApiKey: { method: 'DELETE', path: '/v1/api-keys/{key_id}', auth: true },
  rotateApiKey: { method: 'POST', path: '/v1/api-keys/{key_id}/rotate', auth: true },
  listApiKeyVersions: { method: 'GET', path: '/v1/api-keys/{key_id}/versions', auth: true },
  createWebhook: { method: 'POST', path: '/v1/webhooks', auth: true },
  listWebhooks: { method: 'GET', path: '/v1/webhooks', auth: true },
  getWebhook: { method: 'GET', path: '/v1/webhooks/{webhook_id}', auth: true },
  updateWebhook: { method: 'PUT', path: '/v1/webhooks/{webhook_id}', auth: true },
  deleteWebhook: { method: 'DELETE', path: '/v1/webhooks/{webhook_id}', auth: true },
  testWebhook: { method: 'POST', path: '/v1/webhooks/{webhook_id}/test', auth: true },
  rotateWebhookSecret: { method: 'POST', path: '/v1/webhooks/{webhook_id}/rotate-secret', auth: true },
  listWebhookDeliveries: { method: 'GET', path: '/v1/webhooks/{webhook_id}/deliveries', auth: true },
  listDeadLetters: { method: 'GET', path: '/v1/dead-letters', auth: true },
  replayDeadLetters: { method: 'POST', path: '/v1/dead-letters/replay', auth: true },
  replayDeadLetter: { method: 'POST', path: '/v1/dead-letters/{delivery_id}/replay', auth: true },
  getAnalyticsSummary: { method: 'GET', path: '/v1/analytics/summary', auth: true },
  getAnalyticsTimeseries: { method: 'GET', path: '/v1/analytics/timeseries', auth: true },
  getAnalyticsBreakdown: { method: 'GET', path: '/v1/analytics/breakdown', auth: true },
  exportAnalytics: { method: 'GET', path: '/v1/analytics/export', auth: true },
  getOpenApi: { method: 'GET', path: '/openapi.json', auth: false },
  health: { method: 'GET', path: '/healthz', auth: false },
} as const satisfies Record<OperationId, Operation>;
