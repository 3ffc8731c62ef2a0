/**
 * The API's models, as generated from docs/openapi.json for the TypeScript SDK
 * (sdks/typescript/src/generated/openapi.ts, kept current by its
 * `check:types`). Type-only: nothing of the SDK is bundled.
 */
import type { components } from '../../../sdks/typescript/src/generated/openapi';

type Schemas = components['schemas'];

export type Webhook = Schemas['Webhook'];
export type WebhookWithSecret = Schemas['WebhookWithSecret'];
export type WebhookList = Schemas['WebhookList'];
export type CreateWebhookRequest = Schemas['CreateWebhookRequest'];
export type UpdateWebhookRequest = Schemas['UpdateWebhookRequest'];
export type RotateWebhookSecretRequest = Schemas['RotateWebhookSecretRequest'];
export type TestDeliveryResult = Schemas['TestDeliveryResult'];
export type Attempt = Schemas['Attempt'];
export type AttemptList = Schemas['AttemptList'];
export type AttemptFailure = Schemas['AttemptFailure'];
export type DeadLetter = Schemas['DeadLetter'];
export type DeadLetterList = Schemas['DeadLetterList'];
export type DeadLetterReason = Schemas['DeadLetterReason'];
export type ReplayResult = Schemas['ReplayResult'];
export type CreateEventRequest = Schemas['CreateEventRequest'];
export type Event = Schemas['Event'];
export type ErrorBody = Schemas['Error'];

/** A listing's page request: `limit` 1..100, `cursor` from the previous page. */
export interface PageQuery {
  limit?: number;
  cursor?: string | null;
}

/** The webhook without its secret (what the console keeps once the secret was shown). */
export function withoutSecret(w: WebhookWithSecret): Webhook {
  const { secret: _secret, ...rest } = w;
  return rest;
}
