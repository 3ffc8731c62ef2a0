/**
 * Generated from docs/openapi.json by openapi-typescript 7.13.0 (`npm run gen:types`).
 * Do not edit: change docs/openapi.json and regenerate. `npm run check:types`
 * (run by test.sh) fails when this file is out of date.
 */

export interface paths {
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ingest an event
         * @description Stores an event in the caller's account; it appears in the inbox until acknowledged. With an `idempotency_key`, retries within 24 hours are safe: the same content returns the original event (`200`, `Idempotent-Replayed: true`), different content is `409 idempotency_key_reused`. Any `application/json` or `application/*+json` content type is accepted.
         */
        post: operations["createEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{event_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The event's id (a UUID). Not a UUID: `400 invalid_event_id`.
                 * @example 0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b
                 */
                event_id: components["parameters"]["EventId"];
            };
            cookie?: never;
        };
        /**
         * Get an event
         * @description One event of the caller's account, pending or acknowledged.
         */
        get: operations["getEvent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{event_id}/ack": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The event's id (a UUID). Not a UUID: `400 invalid_event_id`.
                 * @example 0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b
                 */
                event_id: components["parameters"]["EventId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Acknowledge an event
         * @description Removes the event from the inbox. Idempotent: acknowledging again returns the event with its first `acked_at`. No request body.
         */
        post: operations["ackEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the inbox
         * @description Unacknowledged events of the caller's account, oldest first, a page at a time. Follow `next_cursor` until it is `null`. Unknown query parameters are refused (`400 invalid_query`).
         */
        get: operations["listInbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List API keys
         * @description The caller's account's API keys (revoked ones included), by ascending `key_id`, a page at a time (admin keys only). Unknown query parameters are refused (`400 invalid_query`).
         */
        get: operations["listApiKeys"];
        put?: never;
        /**
         * Create an API key
         * @description Creates an API key in the caller's account (admin keys only). The response holds the key's secrets (`api_key`, `signing_secret`): they are shown once and cannot be read again.
         */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{key_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The API key's id (`key_…`). Unknown, of another account, or not of the `key_…` form: `404 not_found`. */
                key_id: components["parameters"]["KeyId"];
            };
            cookie?: never;
        };
        /**
         * Get an API key
         * @description One API key of the caller's account, without secrets (admin keys only). Revoked keys remain readable.
         */
        get: operations["getApiKey"];
        put?: never;
        post?: never;
        /**
         * Revoke an API key
         * @description Revokes the key and all its versions at once: every request with it is then refused (`401 key_revoked`). Admin keys only. Idempotent: revoking a revoked key returns it unchanged. The key is not deleted: it stays readable with `status: revoked` and can no longer be rotated.
         */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{key_id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The API key's id (`key_…`). Unknown, of another account, or not of the `key_…` form: `404 not_found`. */
                key_id: components["parameters"]["KeyId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate an API key
         * @description Issues a new version of the key with new secrets (shown once, in this response). The previous version stays valid for `transition_seconds` (default 7 days); a transition still running from an earlier rotation ends now. Admin keys only. The body is optional and read as JSON whatever its content type; an empty body means the defaults.
         */
        post: operations["rotateApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/api-keys/{key_id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The API key's id (`key_…`). Unknown, of another account, or not of the `key_…` form: `404 not_found`. */
                key_id: components["parameters"]["KeyId"];
            };
            cookie?: never;
        };
        /**
         * List an API key's versions
         * @description Every version of the key, oldest first, with its status now (admin keys only). No secrets.
         */
        get: operations["listApiKeyVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhooks
         * @description The caller's account's webhooks, by ascending `webhook_id`, a page at a time (admin keys only). Unknown query parameters are refused (`400 invalid_query`).
         */
        get: operations["listWebhooks"];
        put?: never;
        /**
         * Register a webhook
         * @description Registers a webhook in the caller's account (admin keys only): from now on, every event of the account whose `event_type` matches `events` is POSTed to `url`, signed (Standard Webhooks), at least once, with retries and then a dead letter. The response holds the signing `secret`: it is shown once and cannot be read again (rotate it to get a new one). The URL must pass the deployment's URL policy and host allowlist (see `WebhookUrl`).
         */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhook_id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        /**
         * Get a webhook
         * @description One webhook of the caller's account, without its secret (admin keys only).
         */
        get: operations["getWebhook"];
        /**
         * Change a webhook
         * @description Changes the given fields of a webhook and keeps the others (admin keys only); validated like a new webhook. Deactivating stops deliveries (those already waiting become dead letters `webhook_inactive`); activating resumes them for new events.
         */
        put: operations["updateWebhook"];
        post?: never;
        /**
         * Delete a webhook
         * @description Deletes a webhook (admin keys only): nothing more is delivered to it and its waiting deliveries are dropped. Its dead letters stay listed (replaying them is `404 webhook_not_found`); its attempt log can no longer be read. Deleting it again is `404`.
         */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhook_id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a test event
         * @description POSTs a signed event of type `webhook.test` (data `{"test": true, "webhook_id": …}`) to the webhook now, active or not, and reports what the receiver answered (admin keys only). Not retried and not recorded in the attempt log. A receiver that fails (no response, non-2xx) is still a `200` here: see `success`. Takes at most the deployment's request timeout (15 s unless configured).
         */
        post: operations["testWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhook_id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a webhook's signing secret
         * @description Replaces the signing secret (admin keys only). The new secret (yours, or generated) is in this response only. The previous one keeps signing too for `transition_seconds` (deliveries then carry two signatures, `v1,<new> v1,<old>`), so receivers can switch without losing deliveries. The body is optional and read as JSON whatever its content type; an empty body means the defaults.
         */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{webhook_id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        /**
         * List a webhook's delivery attempts
         * @description Every delivery attempt to the webhook, newest first, a page at a time (admin keys only). Test sends are not listed. Unknown query parameters are refused (`400 invalid_query`).
         */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List dead letters
         * @description The account's dead letters (deliveries given up), newest first, a page at a time, optionally of one webhook and within a time range (admin keys only). Replayed dead letters stay listed, with `replayed_at`. Unknown query parameters are refused (`400 invalid_query`).
         */
        get: operations["listDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay a webhook's dead letters
         * @description Replays every dead letter of one webhook with `since <= dead_at < until` that was not replayed yet, up to 10000 per call (`truncated`: call again for the rest). Admin keys only. The webhook must exist and be active.
         */
        post: operations["replayDeadLetters"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters/{delivery_id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The dead letter's `delivery_id` (a UUID). Unknown, of another account, or not a UUID: `404 dead_letter_not_found`.
                 * @example 8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a
                 */
                delivery_id: components["parameters"]["DeliveryIdPath"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay a dead letter
         * @description Delivers a dead letter's event again, with the same `webhook-id` (`msg_id`) and a fresh retry budget (admin keys only). The dead letter gets `replayed_at`; if the replay fails too, it becomes a dead letter again. The webhook must still exist and be active.
         */
        post: operations["replayDeadLetter"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/analytics/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Analytics summary
         * @description Totals, rates and latency percentiles of the caller's account over a range (default: the last 24 hours), admin keys only. Served from day, hour and minute buckets (a 30-day range reads about 30 day buckets plus the edges). Unknown query parameters are refused (`400 invalid_query`).
         */
        get: operations["getAnalyticsSummary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/analytics/timeseries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Analytics timeseries
         * @description One metric of the caller's account per bucket over a range, empty buckets included, admin keys only. `from` is rounded down and `to` up to the bucket. At most 10,000 points (`400 too_many_points`). Unknown query parameters are refused (`400 invalid_query`).
         */
        get: operations["getAnalyticsTimeseries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/analytics/breakdown": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Analytics breakdown
         * @description The caller's counts over a range grouped by one dimension, largest first, admin keys only. With `by=source`, `event_type` may filter (and the other way round); other dimensions take no filter. Unknown query parameters are refused (`400 invalid_query`).
         */
        get: operations["getAnalyticsBreakdown"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/analytics/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export analytics
         * @description Every non-empty bucket of the caller's account in a range as CSV or JSON, oldest first, streamed page by page (any range length), admin keys only. The format is `format` if given, else the `Accept` header (`text/csv` or `application/json`; JSON by default). CSV: a header line then one line per bucket, RFC 4180, columns as in `AnalyticsExportRow`. Unknown query parameters are refused (`400 invalid_query`).
         */
        get: operations["exportAnalytics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This OpenAPI document
         * @description The OpenAPI 3.1 document of this API. No authentication.
         */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description `200 {"status":"ok"}` while the process serves requests. No authentication.
         */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * CreateEventRequest
         * @description Body of `POST /v1/events`. Unknown fields are refused (`400 invalid_field`).
         */
        CreateEventRequest: {
            /**
             * @description Where the event comes from. 1 to 255 bytes of UTF-8 (the limit counts bytes, not characters), without control characters.
             * @example shop
             */
            source: string;
            /**
             * @description What happened. 1 to 255 bytes of UTF-8 (the limit counts bytes, not characters), without control characters.
             * @example order.created
             */
            event_type: string;
            /**
             * @description The event data: any JSON object, stored and returned exactly as sent. At most 262144 bytes of JSON (`413 payload_too_large` beyond).
             * @example {
             *       "order_id": 1001,
             *       "total": "49.90"
             *     }
             */
            payload: {
                [key: string]: unknown;
            };
            /**
             * @description Optional client-chosen key, 1 to 255 bytes of UTF-8 without control characters. Within 24 hours, sending the same key again with the same `source`, `event_type` and `payload` (compared as sent, byte for byte: re-serialized JSON with other spacing or key order is different content) returns the original event (`200` with `Idempotent-Replayed: true`) instead of storing a duplicate; with different content it is `409 idempotency_key_reused`. `null` is the same as absent.
             * @example order-1001-created
             */
            idempotency_key?: string | null;
        };
        /**
         * Event
         * @description A stored event.
         */
        Event: {
            /**
             * Format: uuid
             * @description Chosen by the service (UUID v4).
             * @example 0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b
             */
            event_id: string;
            /**
             * @description As sent.
             * @example shop
             */
            source: string;
            /**
             * @description As sent.
             * @example order.created
             */
            event_type: string;
            /** @description The JSON object as sent. */
            payload: {
                [key: string]: unknown;
            };
            /** @description As sent; absent when none was sent. */
            idempotency_key?: string;
            /**
             * Format: date-time
             * @description When the service stored the event (RFC 3339, UTC, microsecond precision).
             */
            received_at: string;
            status: components["schemas"]["EventStatus"];
            /**
             * Format: date-time
             * @description When the event was first acknowledged; present only when `status` is `acknowledged`.
             */
            acked_at?: string;
        };
        /**
         * EventStatus
         * @description `pending`: in the inbox; `acknowledged`: acknowledged with `POST /v1/events/{event_id}/ack`.
         * @enum {string}
         */
        EventStatus: "pending" | "acknowledged";
        /**
         * EventList
         * @description A page of the inbox: unacknowledged events, oldest first.
         */
        EventList: {
            /** @description At most `limit` events. */
            events: components["schemas"]["Event"][];
            /** @description Pass as `cursor` to get the next page; `null` when there is no next page. Opaque. */
            next_cursor: string | null;
        };
        /**
         * ApiKeyRole
         * @description `admin`: everything, including managing the account's API keys; `standard`: events and inbox only.
         * @enum {string}
         */
        ApiKeyRole: "admin" | "standard";
        /**
         * ApiKeyStatus
         * @description `revoked` once `DELETE /v1/api-keys/{key_id}` was called; `active` otherwise.
         * @enum {string}
         */
        ApiKeyStatus: "active" | "revoked";
        /**
         * ApiKeyVersionStatus
         * @description `active`: the current version. `rotating`: rotated out, still valid until `expires_at`. `expired`: no longer valid (refused with `key_expired`). `revoked`: revoked with its key.
         * @enum {string}
         */
        ApiKeyVersionStatus: "active" | "rotating" | "expired" | "revoked";
        /**
         * ApiKeyId
         * @description Public id of an API key: `key_` and 16 letters or digits. Not a secret; also the key id of v1 request signatures.
         * @example key_3kTMd9Qp2XvL8aZb
         */
        ApiKeyId: string;
        /**
         * ApiKey
         * @description An API key, without secrets.
         */
        ApiKey: {
            key_id: components["schemas"]["ApiKeyId"];
            /**
             * @description A label for humans.
             * @example billing worker
             */
            name: string;
            role: components["schemas"]["ApiKeyRole"];
            /** @description Requests with this key must carry a valid v1 signature. */
            require_signature: boolean;
            status: components["schemas"]["ApiKeyStatus"];
            /** @description Number of the active version (1, then +1 per rotation). */
            current_version: number;
            /**
             * Format: date-time
             * @description Creation time (RFC 3339, UTC, second precision).
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Revocation time; `null` unless revoked.
             */
            revoked_at: string | null;
        };
        /**
         * ApiKeyVersion
         * @description One version of an API key: each rotation issues a new version with new secrets.
         */
        ApiKeyVersion: {
            /** @description 1, 2, 3… in rotation order. */
            version: number;
            /** @description The version this one replaced; `null` for version 1. */
            previous_version: number | null;
            /**
             * Format: date-time
             * @description When this version was issued.
             */
            created_at: string;
            /**
             * Format: date-time
             * @description When a newer version replaced this one; `null` while current.
             */
            rotated_at: string | null;
            /**
             * Format: date-time
             * @description End of validity of a rotated-out version; `null` while current.
             */
            expires_at: string | null;
            status: components["schemas"]["ApiKeyVersionStatus"];
        };
        /**
         * ApiKeyWithSecrets
         * @description A newly created API key with its secrets. The secrets are returned in this response only: store them now.
         */
        ApiKeyWithSecrets: components["schemas"]["ApiKey"] & {
            /**
             * @description The secret API key (`trgk_` and 54 letters or digits). Send it as `Authorization: Bearer <api_key>` or `X-API-Key: <api_key>`.
             * @example trgk_3kTMd9Qp2XvL8aZbq4Rz7Yw1Nc6Vb0Hs5Dk2Jf8Lm3Pt9Gx4Ae7U1o
             */
            api_key: string;
            /**
             * @description The v1 request-signing secret of this version (`trgs_` and 43 letters or digits), the HMAC key of `docs/SIGNING.md`.
             * @example trgs_Qm9vX2c4Lp7Rt1Zs8Kd3Nf6Hb0Jw5Gy2Ue4Ai7Oc1Ve
             */
            signing_secret: string;
            version: components["schemas"]["ApiKeyVersion"];
        };
        /**
         * RotatedApiKey
         * @description The result of a rotation: the key, the new version with its secrets (returned in this response only), and the earlier versions whose status changed.
         */
        RotatedApiKey: components["schemas"]["ApiKeyWithSecrets"] & {
            /** @description Earlier versions whose status changed: the version now `rotating` (with its `expires_at`), or `expired` when `transition_seconds` was 0, and a version whose running transition was ended. */
            previous_versions: components["schemas"]["ApiKeyVersion"][];
        };
        /**
         * ApiKeyList
         * @description A page of the account's API keys, by ascending `key_id`.
         */
        ApiKeyList: {
            api_keys: components["schemas"]["ApiKey"][];
            /** @description Pass as `cursor` to get the next page; `null` when there is no next page. Opaque. */
            next_cursor: string | null;
        };
        /**
         * ApiKeyVersionList
         * @description The versions of one API key, oldest first.
         */
        ApiKeyVersionList: {
            key_id: components["schemas"]["ApiKeyId"];
            versions: components["schemas"]["ApiKeyVersion"][];
        };
        /**
         * CreateApiKeyRequest
         * @description Body of `POST /v1/api-keys`. Unknown fields are refused (`400 invalid_field`).
         */
        CreateApiKeyRequest: {
            /**
             * @description A label for humans. 1 to 255 bytes of UTF-8 (the limit counts bytes, not characters), without control characters.
             * @example billing worker
             */
            name: string;
            /** @description Role of the new key; absent or `null` means `standard`. */
            role?: components["schemas"]["ApiKeyRole"] | null;
            /** @description Require v1 signed requests with this key (`401 signature_required` otherwise). Absent means `false`. */
            require_signature?: boolean;
        };
        /**
         * RotateApiKeyRequest
         * @description Body of `POST /v1/api-keys/{key_id}/rotate` (optional: an empty body means the defaults). Unknown fields are refused (`400 invalid_field`).
         */
        RotateApiKeyRequest: {
            /** @description How long the current version stays valid after the rotation, in seconds: 0 (expires at once) to 2592000 (30 days). Absent or `null` means 604800 (7 days). Above the maximum: `400 invalid_transition`. */
            transition_seconds?: number | null;
        };
        /**
         * WebhookId
         * Format: uuid
         * @description A webhook's id: a UUID (v4) chosen by the service.
         * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
         */
        WebhookId: string;
        /**
         * EventPattern
         * @description Which event types a webhook receives: `*` (every event), an exact `event_type` such as `invoice.paid` (case-sensitive), or a prefix such as `order.*` (every type that starts with `order.` and has at least one more character: `order.created`, `order.line.added`; not `order`, not `orders.created`). Dot-separated non-empty segments; `*` only as the whole last segment; no whitespace or control characters; at most 255 bytes of UTF-8 (the limit counts bytes, not characters). Anything else: `400 invalid_events`.
         * @example order.*
         * @example invoice.paid
         * @example *
         */
        EventPattern: string;
        /**
         * EventPatterns
         * @description 1 to 100 event patterns; an event is delivered when any of them selects its `event_type`.
         * @example [
         *       "order.*",
         *       "invoice.paid"
         *     ]
         */
        EventPatterns: components["schemas"]["EventPattern"][];
        /**
         * WebhookUrl
         * Format: uri
         * @description Where deliveries are POSTed: an absolute `https` URL of at most 2048 bytes, without credentials (`user:password@`), `#fragment` or port 0 (`400 invalid_url`). By default only public addresses are allowed: IP literals of loopback, private, link-local, cloud-metadata and other special ranges and `localhost` names are refused (`400 url_not_allowed`), and every delivery resolves the host again and connects only to allowed addresses. A deployment may allow plain `http` and loopback/private destinations (local development), and may restrict webhook hosts to an allowlist: any other host is `400 url_not_allowed`. Stored normalised (e.g. `HTTP://Example.COM` becomes `http://example.com/`).
         * @example http://127.0.0.1:9/hook
         */
        WebhookUrl: string;
        /**
         * WebhookSecret
         * @description A Standard Webhooks signing secret: `whsec_` followed by the standard base64 (with padding) of 24 to 64 random bytes. Deliveries carry `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>`) headers; see `docs/SIGNING.md`. When sent, the `whsec_` prefix may be omitted; anything else is `400 invalid_secret`.
         * @example whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
         */
        WebhookSecret: string;
        /**
         * WebhookDescription
         * @description Free text for humans: at most 1024 bytes of UTF-8 (the limit counts bytes, not characters), without control characters (`400 invalid_field`).
         * @example order sync
         */
        WebhookDescription: string;
        /**
         * Webhook
         * @description A webhook subscription, without its secret.
         */
        Webhook: {
            webhook_id: components["schemas"]["WebhookId"];
            /**
             * Format: uri
             * @description The destination, normalised.
             * @example http://127.0.0.1:9/hook
             */
            url: string;
            /**
             * @description The event patterns (see `EventPattern`), as given.
             * @example [
             *       "order.*",
             *       "invoice.paid"
             *     ]
             */
            events: string[];
            /** @description Only active webhooks receive events. Set to `false` by its owner, or by the service when the receiver answers `410 Gone`. */
            is_active: boolean;
            /** @description As given; empty when none was. */
            description: string;
            /** @description Retries after the first attempt; `null`: the deployment's default (3 unless configured). */
            max_retries: number | null;
            /** @description Version of the current signing secret (1, then +1 per rotation). */
            secret_version: number;
            /**
             * Format: date-time
             * @description After a rotation, the previous secret also signs deliveries until this time (RFC 3339, UTC, up to microsecond precision); `null` when there is no previous secret.
             */
            previous_secret_expires_at: string | null;
            /**
             * Format: date-time
             * @description Creation time (RFC 3339, UTC, up to microsecond precision).
             */
            created_at: string;
            /**
             * Format: date-time
             * @description Last change (RFC 3339, UTC, up to microsecond precision).
             */
            updated_at: string;
        };
        /**
         * WebhookWithSecret
         * @description A webhook and its current signing secret: returned only when the webhook is created and when its secret is rotated.
         */
        WebhookWithSecret: components["schemas"]["Webhook"] & {
            /**
             * @description The signing secret (`whsec_` + base64). Shown once: store it now.
             * @example whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
             */
            secret: string;
        };
        /**
         * WebhookList
         * @description A page of the account's webhooks, by ascending `webhook_id`.
         */
        WebhookList: {
            webhooks: components["schemas"]["Webhook"][];
            /** @description Pass as `cursor` to get the next page; `null` when there is no next page. Opaque. */
            next_cursor: string | null;
        };
        /**
         * CreateWebhookRequest
         * @description Body of `POST /v1/webhooks`. Unknown fields are refused (`400 invalid_field`).
         */
        CreateWebhookRequest: {
            url: components["schemas"]["WebhookUrl"];
            /** @description The event types to receive; absent or `null` means `["*"]` (every event). */
            events?: components["schemas"]["EventPatterns"] | null;
            /** @description Absent or `null` means empty. */
            description?: components["schemas"]["WebhookDescription"] | null;
            /** @description `false` creates the webhook deactivated; absent or `null` means `true`. */
            is_active?: boolean | null;
            /** @description Retries after the first attempt, 0 to 20 (above: `400 invalid_field`); absent or `null` means the deployment's default. */
            max_retries?: number | null;
            /** @description Your own signing secret; absent or `null`: the service generates one (32 random bytes). */
            secret?: components["schemas"]["WebhookSecret"] | null;
        };
        /**
         * UpdateWebhookRequest
         * @description Body of `PUT /v1/webhooks/{webhook_id}`: the fields to change; absent fields keep their value (`{}` changes nothing but `updated_at`). Unknown fields are refused (`400 invalid_field`).
         */
        UpdateWebhookRequest: {
            /** @description A new destination; `null` keeps it. */
            url?: components["schemas"]["WebhookUrl"] | null;
            /** @description New event patterns (replacing the old ones); `null` keeps them. */
            events?: components["schemas"]["EventPatterns"] | null;
            /** @description A new description; `null` keeps it. */
            description?: components["schemas"]["WebhookDescription"] | null;
            /** @description Activate (for example after a `410 Gone` deactivated it) or deactivate; `null` keeps it. */
            is_active?: boolean | null;
            /** @description A new retry count, 0 to 20; `null` returns to the deployment's default; absent keeps it. */
            max_retries?: number | null;
        };
        /**
         * RotateWebhookSecretRequest
         * @description Body of `POST /v1/webhooks/{webhook_id}/rotate-secret` (optional: an empty body means the defaults). Unknown fields are refused (`400 invalid_field`).
         */
        RotateWebhookSecretRequest: {
            /** @description The new secret; absent or `null`: the service generates one. */
            secret?: components["schemas"]["WebhookSecret"] | null;
            /** @description How long the current secret keeps signing deliveries next to the new one, in seconds: 0 (replaced at once) to 604800 (7 days); above: `400 invalid_transition`. Absent or `null`: the deployment's default (86400, one day, unless configured). A previous secret still in its window stops signing now. */
            transition_seconds?: number | null;
        };
        /**
         * AttemptFailure
         * @description Why an attempt got no HTTP response: `timeout` (no complete response in time), `dns` (the host did not resolve), `connect` (refused, reset or unreachable), `tls` (handshake failed), `protocol` (not valid HTTP, or the connection broke), `blocked` (the destination is refused by the URL policy or the host allowlist).
         * @enum {string}
         */
        AttemptFailure: "timeout" | "dns" | "connect" | "tls" | "protocol" | "blocked";
        /**
         * Attempt
         * @description One delivery attempt. Exactly one of `status_code` and `failure` is set.
         */
        Attempt: {
            /**
             * Format: uuid
             * @description The delivery (one event to one webhook); the same for all its attempts.
             * @example 8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a
             */
            delivery_id: string;
            /** @description 1 for the first attempt. */
            attempt: number;
            /** @description The receiver's HTTP status; `null` when there was no response (see `failure`). */
            status_code: number | null;
            /** @description Why there was no response; `null` when there was one. */
            failure: components["schemas"]["AttemptFailure"] | null;
            /** @description `true` for a 2xx response. */
            success: boolean;
            /** @description From sending the request to the end of the response (or the failure). */
            latency_ms: number;
            /** @description What went wrong, for humans (at most 512 bytes). */
            error: string | null;
            /** @description The start of the response body (at most 1024 bytes, invalid UTF-8 replaced); `null` without a response. */
            response_excerpt: string | null;
            /**
             * Format: date-time
             * @description When the attempt started (RFC 3339, UTC, up to microsecond precision).
             */
            attempted_at: string;
        };
        /**
         * AttemptList
         * @description A page of a webhook's delivery attempts, newest first.
         */
        AttemptList: {
            webhook_id: components["schemas"]["WebhookId"];
            attempts: components["schemas"]["Attempt"][];
            /** @description Pass as `cursor` to get the next page; `null` when there is no next page. Opaque. */
            next_cursor: string | null;
        };
        /**
         * TestDeliveryResult
         * @description What the receiver answered to a test delivery. Exactly one of `status_code` and `failure` is set.
         */
        TestDeliveryResult: {
            /**
             * @description The `webhook-id` header sent.
             * @example msg_0b7e4a523c1d4f6e9a8b2d5c7e9f1a3b
             */
            msg_id: string;
            /** @description `true` for a 2xx response. */
            success: boolean;
            /** @description The receiver's HTTP status; `null` when there was no response. */
            status_code: number | null;
            /** @description Why there was no response; `null` when there was one. */
            failure: components["schemas"]["AttemptFailure"] | null;
            latency_ms: number;
            /** @description The start of the response body (at most 1024 bytes). */
            response_excerpt: string | null;
            /** @description What went wrong, for humans. */
            error: string | null;
        };
        /**
         * DeadLetterReason
         * @description Why a delivery was given up: `retries_exhausted` (every attempt failed), `gone` (the receiver answered `410 Gone`; the webhook was deactivated), `blocked` (the destination is refused), `webhook_inactive` (the webhook was deactivated or deleted while the delivery waited).
         * @enum {string}
         */
        DeadLetterReason: "retries_exhausted" | "gone" | "blocked" | "webhook_inactive";
        /**
         * DeadLetter
         * @description A delivery that was given up, kept for inspection and replay.
         */
        DeadLetter: {
            /**
             * Format: uuid
             * @description The delivery; pass it to `POST /v1/dead-letters/{delivery_id}/replay`.
             * @example 8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a
             */
            delivery_id: string;
            webhook_id: components["schemas"]["WebhookId"];
            /**
             * Format: uuid
             * @description The event delivered.
             * @example 0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b
             */
            event_id: string;
            /** @example order.created */
            event_type: string;
            /**
             * @description The `webhook-id` header of every attempt (a replay sends the same one, so receivers can deduplicate).
             * @example msg_0b7e4a523c1d4f6e9a8b2d5c7e9f1a3b
             */
            msg_id: string;
            /** @description Attempts made. */
            attempts: number;
            /** @description The status of the last attempt; `null` when it got no response or no attempt was made. */
            last_status_code: number | null;
            /** @description Why the last attempt got no response; `null` otherwise. */
            last_failure: components["schemas"]["AttemptFailure"] | null;
            reason: components["schemas"]["DeadLetterReason"];
            /**
             * Format: date-time
             * @description When the delivery was given up (RFC 3339, UTC, up to microsecond precision).
             */
            dead_at: string;
            /**
             * Format: date-time
             * @description When it was replayed; `null` until then.
             */
            replayed_at: string | null;
        };
        /**
         * DeadLetterList
         * @description A page of the account's dead letters, newest first.
         */
        DeadLetterList: {
            dead_letters: components["schemas"]["DeadLetter"][];
            /** @description Pass as `cursor` (with the same filters) to get the next page; `null` when there is no next page. Opaque. */
            next_cursor: string | null;
        };
        /**
         * ReplayResult
         * @description A dead letter enqueued again.
         */
        ReplayResult: {
            /**
             * Format: uuid
             * @example 8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a
             */
            delivery_id: string;
            /** @constant */
            replayed: true;
        };
        /**
         * BulkReplayRequest
         * @description Body of `POST /v1/dead-letters/replay`. Unknown fields are refused (`400 invalid_field`).
         */
        BulkReplayRequest: {
            /**
             * Format: uuid
             * @description The webhook whose dead letters to replay (not a UUID: `400 invalid_field`).
             * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
             */
            webhook_id: string;
            /**
             * Format: date-time
             * @description Only dead letters with `dead_at >= since` (RFC 3339); absent or `null`: no lower bound. Not RFC 3339: `400 invalid_field`.
             */
            since?: string | null;
            /**
             * Format: date-time
             * @description Only dead letters with `dead_at < until` (RFC 3339); absent or `null`: no upper bound. An `until` not after `since` is an empty range (nothing replayed).
             */
            until?: string | null;
        };
        /**
         * BulkReplayResult
         * @description What a bulk replay did.
         */
        BulkReplayResult: {
            webhook_id: components["schemas"]["WebhookId"];
            /** @description Dead letters enqueued again. */
            replayed: number;
            /** @description Dead letters in the range that were replayed already. */
            skipped: number;
            /** @description `true` when the limit of 10000 replays per call was reached: call again for the rest. */
            truncated: boolean;
        };
        /**
         * Error
         * @description What went wrong.
         */
        Error: {
            /**
             * @description Stable, machine-readable error code; branch on this. Codes: `malformed_json`, `invalid_field`, `unreadable_body`, `invalid_query`, `invalid_cursor`, `invalid_event_id`, `invalid_transition`, `bad_request`, `missing_api_key`, `invalid_api_key`, `key_expired`, `key_revoked` (401; also 409 when rotating a revoked key), `signature_required`, `missing_header`, `malformed_header`, `unsupported_version`, `bad_encoding`, `invalid_method`, `stale_timestamp`, `future_timestamp`, `signature_mismatch`, `replayed_signature`, `missing_key_id`, `unknown_key_id`, `body_read_failed`, `forbidden`, `not_found`, `invalid_events`, `invalid_url`, `url_not_allowed`, `invalid_secret` (400: a webhook secret that is not `whsec_` + base64 of 24 to 64 bytes; 500: a stored signing secret is unusable), `webhook_not_found`, `dead_letter_not_found`, `already_replayed`, `webhook_inactive`, `method_not_allowed`, `idempotency_key_reused`, `conflict`, `payload_too_large`, `unsupported_media_type`, `internal_error`, `secret_unavailable`, `store_unavailable`, `key_lookup_failed`. New codes may be added: treat unknown codes by their HTTP status.
             * @example invalid_field
             */
            code: string;
            /**
             * @description For humans: says what to fix (names the field when one is wrong). May change; never contains a secret.
             * @example field `source`: must not be empty
             */
            message: string;
            /**
             * @description The request id, as in the `X-Request-Id` response header. Quote it when reporting a problem.
             * @example 5f0c6f2e-8a4b-4d8e-9a3c-0b6f3c1d2e4f
             */
            request_id: string;
        };
        /**
         * ErrorEnvelope
         * @description The body of every error response (status 400 and above).
         */
        ErrorEnvelope: {
            error: components["schemas"]["Error"];
        };
        /**
         * Health
         * @description Liveness of the service.
         */
        Health: {
            /** @constant */
            status: "ok";
        };
        /**
         * OpenApiDocument
         * @description An OpenAPI 3.1 document (this one).
         */
        OpenApiDocument: {
            openapi: string;
            info: Record<string, never>;
            paths: Record<string, never>;
        };
        /**
         * AnalyticsBucket
         * @description A bucket width (UTC-aligned).
         * @enum {string}
         */
        AnalyticsBucket: "minute" | "hour" | "day";
        /**
         * AnalyticsMetric
         * @description What a timeseries plots. Counts: `events`, `api_requests`, `api_errors` (4xx + 5xx), `delivery_attempts`, `deliveries_succeeded` (2xx attempts), `delivery_failures`, `retries` (attempts after the first), `dead_letters`. Rates (0 to 1, `null` without a denominator): `api_error_rate`, `attempt_success_rate` (succeeded / attempts), `delivery_success_rate` (succeeded / (succeeded + dead letters)). Latencies in microseconds within 1% (`null` without samples): `ingest_latency_p50|p90|p99`, `ingest_to_delivery_p50|p90|p99`.
         * @enum {string}
         */
        AnalyticsMetric: "events" | "ingest_latency_p50" | "ingest_latency_p90" | "ingest_latency_p99" | "api_requests" | "api_errors" | "api_error_rate" | "delivery_attempts" | "deliveries_succeeded" | "delivery_failures" | "retries" | "dead_letters" | "attempt_success_rate" | "delivery_success_rate" | "ingest_to_delivery_p50" | "ingest_to_delivery_p90" | "ingest_to_delivery_p99";
        /**
         * AnalyticsDimension
         * @description What a breakdown groups by: events by `source` or `event_type`; delivery attempts by `webhook`; API requests by `api_status` (the status code); attempts by `delivery_outcome` (status class or failure kind); dead letters by `dead_letter_reason`.
         * @enum {string}
         */
        AnalyticsDimension: "source" | "event_type" | "webhook" | "api_status" | "delivery_outcome" | "dead_letter_reason";
        /**
         * AnalyticsFilter
         * @description The filters applied (`null`: none).
         */
        AnalyticsFilter: {
            source: string | null;
            event_type: string | null;
        };
        /**
         * AnalyticsLatency
         * @description A latency distribution in microseconds: exact count, min, max and mean; percentiles from a DDSketch within 1% relative error. `null` without samples.
         */
        AnalyticsLatency: {
            count: number;
            min_us: number | null;
            max_us: number | null;
            mean_us: number | null;
            p50_us: number | null;
            p90_us: number | null;
            p99_us: number | null;
        };
        /**
         * AnalyticsSummary
         * @description Totals, rates and latency percentiles of the account over a range.
         */
        AnalyticsSummary: {
            /**
             * Format: date-time
             * @description Start of the range read (inclusive, minute-aligned).
             */
            from: string;
            /**
             * Format: date-time
             * @description End of the range read (exclusive, minute-aligned).
             */
            to: string;
            events: {
                /** @description Events ingested (each event once, idempotent replays excluded). */
                total: number;
                ingest_latency: components["schemas"]["AnalyticsLatency"];
            };
            api: {
                /** @description Authenticated API requests answered. */
                requests: number;
                /** @description Requests by status class. */
                by_class: {
                    "1xx": number;
                    "2xx": number;
                    "3xx": number;
                    "4xx": number;
                    "5xx": number;
                };
                /** @description 4xx + 5xx. */
                errors: number;
                /** @description errors / requests. */
                error_rate: number | null;
                /** @description 4xx / requests. */
                client_error_rate: number | null;
                /** @description 5xx / requests. */
                server_error_rate: number | null;
            };
            deliveries: {
                /** @description Delivery attempts made. */
                attempts: number;
                /** @description First attempts (deliveries started). */
                first_attempts: number;
                /** @description Attempts after the first. */
                retries: number;
                /** @description Attempts answered 2xx: deliveries completed. */
                succeeded: number;
                /** @description attempts - succeeded. */
                failed: number;
                /** @description Deliveries given up. */
                dead_lettered: number;
                /** @description succeeded / attempts. */
                attempt_success_rate: number | null;
                /** @description succeeded / (succeeded + dead_lettered): of the deliveries that finished in the range, the share delivered. */
                delivery_success_rate: number | null;
                /** @description Attempts by outcome. */
                by_outcome: {
                    "1xx": number;
                    "2xx": number;
                    "3xx": number;
                    "4xx": number;
                    "5xx": number;
                    other_status: number;
                    timeout: number;
                    dns: number;
                    connect: number;
                    tls: number;
                    protocol: number;
                    blocked: number;
                };
                /** @description Dead letters by reason. */
                dead_letters_by_reason: {
                    retries_exhausted: number;
                    gone: number;
                    blocked: number;
                    webhook_inactive: number;
                };
                ingest_to_delivery: components["schemas"]["AnalyticsLatency"];
            };
        };
        /** AnalyticsPoint */
        AnalyticsPoint: {
            /**
             * Format: date-time
             * @description Start of the bucket.
             */
            start: string;
            /** @description A count, a rate (0 to 1) or microseconds; `null` for a rate or a percentile without data. */
            value: number | null;
            /** @description False when a filtered count could not be told apart from the bucket's `other` (more sources or types than a bucket tracks): the value is then a lower bound. */
            exact: boolean;
        };
        /**
         * AnalyticsTimeseries
         * @description One point per bucket of the range, oldest first, empty buckets included.
         */
        AnalyticsTimeseries: {
            metric: components["schemas"]["AnalyticsMetric"];
            bucket: components["schemas"]["AnalyticsBucket"];
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            to: string;
            filter: components["schemas"]["AnalyticsFilter"];
            points: components["schemas"]["AnalyticsPoint"][];
        };
        /** AnalyticsWebhookStats */
        AnalyticsWebhookStats: {
            /** @description Attempts. */
            attempts: number;
            /** @description 2xx attempts. */
            succeeded: number;
            /** @description Attempts after the first. */
            retries: number;
            /** @description Deliveries given up. */
            dead_lettered: number;
        };
        /** AnalyticsBreakdownRow */
        AnalyticsBreakdownRow: {
            /** @description The source, event type, webhook id, status code, outcome or reason. */
            key: string;
            /** @description Events, requests, attempts or dead letters with this key. */
            count: number;
            /** @description False when part of this key's count may sit in `other` (a bucket tracks a bounded number of keys). */
            exact: boolean;
            /** @description For `by=webhook`: the webhook's counters; `null` otherwise. */
            webhook: components["schemas"]["AnalyticsWebhookStats"] | null;
        };
        /**
         * AnalyticsBreakdown
         * @description The largest groups first (ties by key), at most `limit` rows; the rest summed in `other`.
         */
        AnalyticsBreakdown: {
            by: components["schemas"]["AnalyticsDimension"];
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            to: string;
            filter: components["schemas"]["AnalyticsFilter"];
            /** @description Everything counted in the range for this dimension. */
            total: number;
            total_exact: boolean;
            rows: components["schemas"]["AnalyticsBreakdownRow"][];
            /** @description total minus the rows shown. */
            other: number;
        };
        /**
         * AnalyticsExportRow
         * @description One bucket. CSV exports have the same columns in this order (empty cells for `null`).
         */
        AnalyticsExportRow: {
            /** Format: date-time */
            start: string;
            /** Format: date-time */
            end: string;
            events: number;
            ingest_latency_p50_us: number | null;
            ingest_latency_p90_us: number | null;
            ingest_latency_p99_us: number | null;
            api_requests: number;
            api_2xx: number;
            api_4xx: number;
            api_5xx: number;
            delivery_attempts: number;
            deliveries_succeeded: number;
            delivery_failures: number;
            retries: number;
            dead_letters: number;
            ingest_to_delivery_p50_us: number | null;
            ingest_to_delivery_p90_us: number | null;
            ingest_to_delivery_p99_us: number | null;
        };
        /**
         * AnalyticsExport
         * @description Every non-empty bucket of the range, oldest first (streamed).
         */
        AnalyticsExport: {
            bucket: components["schemas"]["AnalyticsBucket"];
            /** Format: date-time */
            from: string;
            /** Format: date-time */
            to: string;
            rows: components["schemas"]["AnalyticsExportRow"][];
        };
    };
    responses: {
        /** @description Not authenticated. API key: `missing_api_key` (no `Authorization: Bearer` nor `X-API-Key`), `invalid_api_key` (malformed, bad checksum or unknown), `key_expired` (a rotated-out version whose transition ended), `key_revoked`. Signature: `signature_required` (the key requires signed requests and none was sent), `stale_timestamp`, `future_timestamp`, `signature_mismatch`, `replayed_signature`, `unknown_key_id`. */
        Unauthorized: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The API key is not an admin key: `forbidden`. Only admin keys manage API keys, webhooks and dead letters. */
        Forbidden: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The request body is too large: `payload_too_large`. Bodies are limited to 327680 bytes (the server's `max_body_bytes` setting); on operations without a body this only happens to signed requests, whose body is always read and hashed. */
        PayloadTooLarge: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The body is not JSON: `unsupported_media_type`. Send `Content-Type: application/json`. */
        UnsupportedMediaType: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description Internal error: `internal_error` (also `invalid_secret` or `secret_unavailable` when a stored signing secret is unusable). Retry, and report the `request_id` if it persists. */
        InternalError: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description A store is unavailable: `store_unavailable` or `key_lookup_failed`. Retry later. */
        ServiceUnavailable: {
            headers: {
                "X-Request-Id": components["headers"]["XRequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
    };
    parameters: {
        /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
        RequestId: string;
        /**
         * @description The event's id (a UUID). Not a UUID: `400 invalid_event_id`.
         * @example 0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b
         */
        EventId: string;
        /** @description The API key's id (`key_…`). Unknown, of another account, or not of the `key_…` form: `404 not_found`. */
        KeyId: components["schemas"]["ApiKeyId"];
        /**
         * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
         * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
         */
        WebhookIdPath: string;
        /**
         * @description The dead letter's `delivery_id` (a UUID). Unknown, of another account, or not a UUID: `404 dead_letter_not_found`.
         * @example 8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a
         */
        DeliveryIdPath: string;
        /** @description v1 request signing (see `docs/SIGNING.md`): Unix time in seconds, decimal. Accepted within ±300 s of the server clock. */
        XSignatureTimestamp: string;
        /** @description v1 request signing: lower-case hex HMAC-SHA256 of the string to sign, keyed with the API key's `signing_secret`. The signing key id is the id of the API key that authenticates the request. */
        XSignature: string;
        /** @description v1 request signing: the version, `v1`. */
        XSignatureVersion: "v1";
        /**
         * @description Start of the range (RFC 3339, inclusive), rounded down to the bucket (a minute for summary and breakdown). Default: 24 hours before `to`. Times before 1970 count as 1970. Not RFC 3339: `400 invalid_query`.
         * @example 2026-11-24T00:00:00Z
         */
        AnalyticsFrom: string;
        /**
         * @description End of the range (RFC 3339, exclusive), rounded up to the bucket. Default: now. A `to` not after `from` is an empty range. Not RFC 3339: `400 invalid_query`.
         * @example 2026-11-25T00:00:00Z
         */
        AnalyticsTo: string;
        /**
         * @description Only events of this source (exact match). Events metrics only: with another metric or dimension, `400 filter_not_supported`.
         * @example shop
         */
        AnalyticsSource: string;
        /**
         * @description Only events of this type (exact match). Events metrics only: with another metric or dimension, `400 filter_not_supported`.
         * @example order.created
         */
        AnalyticsEventType: string;
        /** @description Bucket width: `minute`, `hour` (default) or `day`. Buckets are UTC-aligned. */
        AnalyticsBucket: components["schemas"]["AnalyticsBucket"];
    };
    requestBodies: never;
    headers: {
        /** @description The request id: the client's `X-Request-Id` when it sent 1 to 128 visible ASCII characters, otherwise a fresh UUID. Also in every error body as `error.request_id`. */
        XRequestId: string;
        /** @description Path of the new event: `/v1/events/{event_id}`. */
        Location: string;
        /** @description `true`: the idempotency key was seen within 24 hours with the same content; the body is the original event. */
        IdempotentReplayed: "true";
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    createEvent: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "source": "shop",
                 *       "event_type": "order.created",
                 *       "payload": {
                 *         "order_id": 1001,
                 *         "total": "49.90"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["CreateEventRequest"];
            };
        };
        responses: {
            /** @description Idempotent replay: this `idempotency_key` was used within 24 hours with the same content; the original event, not stored again. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "event_id": "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b",
                     *       "source": "shop",
                     *       "event_type": "order.created",
                     *       "payload": {
                     *         "order_id": 1001,
                     *         "total": "49.90"
                     *       },
                     *       "idempotency_key": "order-1001-created",
                     *       "received_at": "2025-01-15T09:30:00.123456Z",
                     *       "status": "pending"
                     *     }
                     */
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description Stored: the new event. */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "event_id": "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b",
                     *       "source": "shop",
                     *       "event_type": "order.created",
                     *       "payload": {
                     *         "order_id": 1001,
                     *         "total": "49.90"
                     *       },
                     *       "idempotency_key": "order-1001-created",
                     *       "received_at": "2025-01-15T09:30:00.123456Z",
                     *       "status": "pending"
                     *     }
                     */
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description Invalid body: `malformed_json` (not JSON), `invalid_field` (a field is missing, unknown, of the wrong type, empty, longer than 255 bytes, contains control characters, or `payload` is not an object; the message names the field), `unreadable_body`. Also the request-signing errors (`missing_header`, `malformed_header`, `unsupported_version`, `bad_encoding`, `invalid_method`, `body_read_failed`). */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description `idempotency_key_reused`: the key was used within the last 24 hours with a different event. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getEvent: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /**
                 * @description The event's id (a UUID). Not a UUID: `400 invalid_event_id`.
                 * @example 0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b
                 */
                event_id: components["parameters"]["EventId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "event_id": "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b",
                     *       "source": "shop",
                     *       "event_type": "order.created",
                     *       "payload": {
                     *         "order_id": 1001,
                     *         "total": "49.90"
                     *       },
                     *       "idempotency_key": "order-1001-created",
                     *       "received_at": "2025-01-15T09:30:00.123456Z",
                     *       "status": "acknowledged",
                     *       "acked_at": "2025-01-15T09:31:02.5Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description `invalid_event_id`: `event_id` is not a UUID. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such event in the caller's account: `not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    ackEvent: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /**
                 * @description The event's id (a UUID). Not a UUID: `400 invalid_event_id`.
                 * @example 0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b
                 */
                event_id: components["parameters"]["EventId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The acknowledged event. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "event_id": "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b",
                     *       "source": "shop",
                     *       "event_type": "order.created",
                     *       "payload": {
                     *         "order_id": 1001,
                     *         "total": "49.90"
                     *       },
                     *       "idempotency_key": "order-1001-created",
                     *       "received_at": "2025-01-15T09:30:00.123456Z",
                     *       "status": "acknowledged",
                     *       "acked_at": "2025-01-15T09:31:02.5Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description `invalid_event_id`: `event_id` is not a UUID. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description No such event in the caller's account: `not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listInbox: {
        parameters: {
            query?: {
                /** @description Only events of this `source`. */
                source?: string;
                /** @description Only events of this `event_type`. */
                event_type?: string;
                /** @description Page size, 1 to 500 (default 50). Outside: `400 invalid_query`. */
                limit?: number;
                /** @description `next_cursor` of the previous page (opaque). Anything else: `400 invalid_cursor`. */
                cursor?: string;
            };
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the inbox. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "events": [
                     *         {
                     *           "event_id": "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b",
                     *           "source": "shop",
                     *           "event_type": "order.created",
                     *           "payload": {
                     *             "order_id": 1001,
                     *             "total": "49.90"
                     *           },
                     *           "idempotency_key": "order-1001-created",
                     *           "received_at": "2025-01-15T09:30:00.123456Z",
                     *           "status": "pending"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["EventList"];
                };
            };
            /** @description `invalid_query` (bad or unknown query parameter, `limit` out of range), `invalid_cursor` (not a cursor this API returned). Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listApiKeys: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50); outside: `400 invalid_query`. */
                limit?: number;
                /** @description `next_cursor` of the previous page (opaque). Anything else: `400 invalid_cursor`. */
                cursor?: string;
            };
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of API keys. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "api_keys": [
                     *         {
                     *           "key_id": "key_3kTMd9Qp2XvL8aZb",
                     *           "name": "billing worker",
                     *           "role": "standard",
                     *           "require_signature": false,
                     *           "status": "active",
                     *           "current_version": 1,
                     *           "created_at": "2025-01-15T09:00:00Z",
                     *           "revoked_at": null
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
            /** @description `invalid_query` (bad or unknown query parameter, `limit` out of range), `invalid_cursor`. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "billing worker",
                 *       "role": "standard"
                 *     }
                 */
                "application/json": components["schemas"]["CreateApiKeyRequest"];
            };
        };
        responses: {
            /** @description Created: the key with its secrets (shown once). */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "key_id": "key_3kTMd9Qp2XvL8aZb",
                     *       "name": "billing worker",
                     *       "role": "standard",
                     *       "require_signature": false,
                     *       "status": "active",
                     *       "current_version": 1,
                     *       "created_at": "2025-01-15T09:00:00Z",
                     *       "revoked_at": null,
                     *       "api_key": "trgk_3kTMd9Qp2XvL8aZbq4Rz7Yw1Nc6Vb0Hs5Dk2Jf8Lm3Pt9Gx4Ae7U1o",
                     *       "signing_secret": "trgs_Qm9vX2c4Lp7Rt1Zs8Kd3Nf6Hb0Jw5Gy2Ue4Ai7Oc1Ve",
                     *       "version": {
                     *         "version": 1,
                     *         "previous_version": null,
                     *         "created_at": "2025-01-15T09:00:00Z",
                     *         "rotated_at": null,
                     *         "expires_at": null,
                     *         "status": "active"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["ApiKeyWithSecrets"];
                };
            };
            /** @description Invalid body: `malformed_json`, `invalid_field` (missing, unknown, wrongly typed field, bad `role`, empty or too long `name`; the message names the field), `unreadable_body`. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description `conflict`: the generated key id collided with an existing one (practically never); retry. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getApiKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /** @description The API key's id (`key_…`). Unknown, of another account, or not of the `key_…` form: `404 not_found`. */
                key_id: components["parameters"]["KeyId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "key_id": "key_3kTMd9Qp2XvL8aZb",
                     *       "name": "billing worker",
                     *       "role": "standard",
                     *       "require_signature": false,
                     *       "status": "active",
                     *       "current_version": 1,
                     *       "created_at": "2025-01-15T09:00:00Z",
                     *       "revoked_at": null
                     *     }
                     */
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            /** @description Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such API key in the caller's account (or `key_id` is not of the `key_…` form): `not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /** @description The API key's id (`key_…`). Unknown, of another account, or not of the `key_…` form: `404 not_found`. */
                key_id: components["parameters"]["KeyId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The revoked key. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "key_id": "key_3kTMd9Qp2XvL8aZb",
                     *       "name": "billing worker",
                     *       "role": "standard",
                     *       "require_signature": false,
                     *       "status": "revoked",
                     *       "current_version": 1,
                     *       "created_at": "2025-01-15T09:00:00Z",
                     *       "revoked_at": "2025-02-01T12:00:00Z"
                     *     }
                     */
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            /** @description Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such API key in the caller's account (or `key_id` is not of the `key_…` form): `not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    rotateApiKey: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /** @description The API key's id (`key_…`). Unknown, of another account, or not of the `key_…` form: `404 not_found`. */
                key_id: components["parameters"]["KeyId"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "transition_seconds": 3600
                 *     }
                 */
                "application/json": components["schemas"]["RotateApiKeyRequest"];
            };
        };
        responses: {
            /** @description Rotated: the key, the new version with its secrets (shown once) and the changed earlier versions. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "key_id": "key_3kTMd9Qp2XvL8aZb",
                     *       "name": "billing worker",
                     *       "role": "standard",
                     *       "require_signature": false,
                     *       "status": "active",
                     *       "current_version": 2,
                     *       "created_at": "2025-01-15T09:00:00Z",
                     *       "revoked_at": null,
                     *       "api_key": "trgk_3kTMd9Qp2XvL8aZbq4Rz7Yw1Nc6Vb0Hs5Dk2Jf8Lm3Pt9Gx4Ae7U1o",
                     *       "signing_secret": "trgs_Qm9vX2c4Lp7Rt1Zs8Kd3Nf6Hb0Jw5Gy2Ue4Ai7Oc1Ve",
                     *       "version": {
                     *         "version": 2,
                     *         "previous_version": 1,
                     *         "created_at": "2025-02-01T12:00:00Z",
                     *         "rotated_at": null,
                     *         "expires_at": null,
                     *         "status": "active"
                     *       },
                     *       "previous_versions": [
                     *         {
                     *           "version": 1,
                     *           "previous_version": null,
                     *           "created_at": "2025-01-15T09:00:00Z",
                     *           "rotated_at": "2025-02-01T12:00:00Z",
                     *           "expires_at": "2025-02-01T13:00:00Z",
                     *           "status": "rotating"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["RotatedApiKey"];
                };
            };
            /** @description `invalid_transition` (`transition_seconds` above 2592000), `malformed_json`, `invalid_field` (unknown or wrongly typed field). Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such API key in the caller's account (or `key_id` is not of the `key_…` form): `not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `key_revoked`: the key is revoked and cannot be rotated. `conflict`: a concurrent change won; retry. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listApiKeyVersions: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /** @description The API key's id (`key_…`). Unknown, of another account, or not of the `key_…` form: `404 not_found`. */
                key_id: components["parameters"]["KeyId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The versions. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "key_id": "key_3kTMd9Qp2XvL8aZb",
                     *       "versions": [
                     *         {
                     *           "version": 1,
                     *           "previous_version": null,
                     *           "created_at": "2025-01-15T09:00:00Z",
                     *           "rotated_at": null,
                     *           "expires_at": null,
                     *           "status": "active"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["ApiKeyVersionList"];
                };
            };
            /** @description Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such API key in the caller's account (or `key_id` is not of the `key_…` form): `not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listWebhooks: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50); outside: `400 invalid_query`. */
                limit?: number;
                /** @description `next_cursor` of the previous page of webhooks (opaque). Anything else: `400 invalid_cursor`. */
                cursor?: string;
            };
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of webhooks. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "webhooks": [
                     *         {
                     *           "webhook_id": "3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
                     *           "url": "http://127.0.0.1:9/hook",
                     *           "events": [
                     *             "order.*",
                     *             "invoice.paid"
                     *           ],
                     *           "is_active": true,
                     *           "description": "order sync",
                     *           "max_retries": null,
                     *           "secret_version": 1,
                     *           "previous_secret_expires_at": null,
                     *           "created_at": "2025-01-15T09:00:00.123456Z",
                     *           "updated_at": "2025-01-15T09:00:00.123456Z"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["WebhookList"];
                };
            };
            /** @description `invalid_query` (bad or unknown query parameter, `limit` out of range), `invalid_cursor`. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "url": "http://127.0.0.1:9/hook",
                 *       "events": [
                 *         "order.*",
                 *         "invoice.paid"
                 *       ],
                 *       "description": "order sync"
                 *     }
                 */
                "application/json": components["schemas"]["CreateWebhookRequest"];
            };
        };
        responses: {
            /** @description Created: the webhook with its signing secret (shown once). */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "webhook_id": "3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
                     *       "url": "http://127.0.0.1:9/hook",
                     *       "events": [
                     *         "order.*",
                     *         "invoice.paid"
                     *       ],
                     *       "is_active": true,
                     *       "description": "order sync",
                     *       "max_retries": null,
                     *       "secret_version": 1,
                     *       "previous_secret_expires_at": null,
                     *       "created_at": "2025-01-15T09:00:00.123456Z",
                     *       "updated_at": "2025-01-15T09:00:00.123456Z",
                     *       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
                     *     }
                     */
                    "application/json": components["schemas"]["WebhookWithSecret"];
                };
            };
            /** @description Invalid body: `malformed_json` (not JSON, or data after the JSON value), `invalid_field` (the body is not a JSON object, or a field is missing, unknown, of the wrong type or out of range: `url` missing, `description` longer than 1024 bytes or with control characters, `max_retries` above 20; the message names the field), `invalid_url` (not an absolute http(s) URL, too long, credentials, fragment, port 0, or `http` where only `https` is allowed), `url_not_allowed` (the destination is refused: a non-public address or `localhost` name where those are not allowed, or a host outside the deployment's allowlist of webhook hosts), `invalid_events` (an empty list, more than 100 patterns, or a pattern that is not an `EventPattern`), `invalid_secret` (see `WebhookSecret`), `unreadable_body`. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description `conflict`: the webhook changed concurrently several times in a row; retry. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The webhook. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "webhook_id": "3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
                     *       "url": "http://127.0.0.1:9/hook",
                     *       "events": [
                     *         "order.*",
                     *         "invoice.paid"
                     *       ],
                     *       "is_active": true,
                     *       "description": "order sync",
                     *       "max_retries": null,
                     *       "secret_version": 1,
                     *       "previous_secret_expires_at": null,
                     *       "created_at": "2025-01-15T09:00:00.123456Z",
                     *       "updated_at": "2025-01-15T09:00:00.123456Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such webhook in the caller's account (or `webhook_id` is not a UUID): `webhook_not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "events": [
                 *         "order.*"
                 *       ],
                 *       "max_retries": null
                 *     }
                 */
                "application/json": components["schemas"]["UpdateWebhookRequest"];
            };
        };
        responses: {
            /** @description The changed webhook. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "webhook_id": "3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
                     *       "url": "http://127.0.0.1:9/hook",
                     *       "events": [
                     *         "order.*"
                     *       ],
                     *       "is_active": true,
                     *       "description": "order sync",
                     *       "max_retries": null,
                     *       "secret_version": 1,
                     *       "previous_secret_expires_at": null,
                     *       "created_at": "2025-01-15T09:00:00.123456Z",
                     *       "updated_at": "2025-01-16T10:00:00.654321Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description Invalid body: `malformed_json` (not JSON, or data after the JSON value), `invalid_field` (the body is not a JSON object, or a field is missing, unknown, of the wrong type or out of range: `description` longer than 1024 bytes or with control characters, `max_retries` above 20; the message names the field), `invalid_url`, `url_not_allowed` (as for `POST /v1/webhooks`), `invalid_events`, `unreadable_body`. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such webhook in the caller's account (or `webhook_id` is not a UUID): `webhook_not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `conflict`: the webhook changed concurrently several times in a row; retry. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such webhook in the caller's account (or `webhook_id` is not a UUID): `webhook_not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    testWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The receiver's answer. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "msg_id": "msg_0b7e4a523c1d4f6e9a8b2d5c7e9f1a3b",
                     *       "success": false,
                     *       "status_code": null,
                     *       "failure": "connect",
                     *       "latency_ms": 0,
                     *       "response_excerpt": null,
                     *       "error": "client error (Connect): tcp connect error: Connection refused (os error 111)"
                     *     }
                     */
                    "application/json": components["schemas"]["TestDeliveryResult"];
                };
            };
            /** @description Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such webhook in the caller's account (or `webhook_id` is not a UUID): `webhook_not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "transition_seconds": 3600
                 *     }
                 */
                "application/json": components["schemas"]["RotateWebhookSecretRequest"];
            };
        };
        responses: {
            /** @description Rotated: the webhook with its new secret (shown once). */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "webhook_id": "3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
                     *       "url": "http://127.0.0.1:9/hook",
                     *       "events": [
                     *         "order.*",
                     *         "invoice.paid"
                     *       ],
                     *       "is_active": true,
                     *       "description": "order sync",
                     *       "max_retries": null,
                     *       "secret_version": 2,
                     *       "previous_secret_expires_at": "2025-02-02T12:00:00.5Z",
                     *       "created_at": "2025-01-15T09:00:00.123456Z",
                     *       "updated_at": "2025-02-01T12:00:00.5Z",
                     *       "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
                     *     }
                     */
                    "application/json": components["schemas"]["WebhookWithSecret"];
                };
            };
            /** @description `invalid_secret` (see `WebhookSecret`), `invalid_transition` (`transition_seconds` above 604800), `malformed_json` (not JSON, or data after the JSON value), `invalid_field` (the body is not a JSON object, or a field is missing, unknown, of the wrong type or out of range; the message names the field). Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such webhook in the caller's account (or `webhook_id` is not a UUID): `webhook_not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `conflict`: the webhook changed concurrently several times in a row; retry. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: {
                /** @description Page size, 1 to 100 (default 50); outside: `400 invalid_query`. */
                limit?: number;
                /** @description `next_cursor` of the previous page of attempts (opaque). Anything else: `400 invalid_cursor`. */
                cursor?: string;
            };
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /**
                 * @description The webhook's id (a UUID). Unknown, of another account, or not a UUID: `404 webhook_not_found`.
                 * @example 3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f
                 */
                webhook_id: components["parameters"]["WebhookIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of attempts. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "webhook_id": "3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
                     *       "attempts": [
                     *         {
                     *           "delivery_id": "8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a",
                     *           "attempt": 2,
                     *           "status_code": null,
                     *           "failure": "connect",
                     *           "success": false,
                     *           "latency_ms": 0,
                     *           "error": "client error (Connect): tcp connect error: Connection refused (os error 111)",
                     *           "response_excerpt": null,
                     *           "attempted_at": "2025-01-15T09:30:05.345678Z"
                     *         },
                     *         {
                     *           "delivery_id": "8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a",
                     *           "attempt": 1,
                     *           "status_code": 503,
                     *           "failure": null,
                     *           "success": false,
                     *           "latency_ms": 87,
                     *           "error": null,
                     *           "response_excerpt": "upstream unavailable",
                     *           "attempted_at": "2025-01-15T09:30:00.234567Z"
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["AttemptList"];
                };
            };
            /** @description `invalid_query` (bad or unknown query parameter, `limit` out of range), `invalid_cursor`. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such webhook in the caller's account (or `webhook_id` is not a UUID): `webhook_not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listDeadLetters: {
        parameters: {
            query?: {
                /** @description Only dead letters of this webhook. Not a UUID: `400 invalid_query`. */
                webhook_id?: string;
                /** @description Only dead letters with `dead_at >= since` (RFC 3339). Not RFC 3339: `400 invalid_query`. */
                since?: string;
                /** @description Only dead letters with `dead_at < until` (RFC 3339). An `until` not after `since` is an empty range. Not RFC 3339: `400 invalid_query`. */
                until?: string;
                /** @description Page size, 1 to 100 (default 50); outside: `400 invalid_query`. */
                limit?: number;
                /** @description `next_cursor` of the previous page of dead letters (opaque). Anything else: `400 invalid_cursor`. */
                cursor?: string;
            };
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of dead letters. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "dead_letters": [
                     *         {
                     *           "delivery_id": "8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a",
                     *           "webhook_id": "3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
                     *           "event_id": "0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b",
                     *           "event_type": "order.created",
                     *           "msg_id": "msg_0b7e4a523c1d4f6e9a8b2d5c7e9f1a3b",
                     *           "attempts": 4,
                     *           "last_status_code": null,
                     *           "last_failure": "connect",
                     *           "reason": "retries_exhausted",
                     *           "dead_at": "2025-01-15T09:31:15.456789Z",
                     *           "replayed_at": null
                     *         }
                     *       ],
                     *       "next_cursor": null
                     *     }
                     */
                    "application/json": components["schemas"]["DeadLetterList"];
                };
            };
            /** @description `invalid_query` (bad or unknown query parameter, `webhook_id` not a UUID, `since` or `until` not RFC 3339, `limit` out of range), `invalid_cursor`. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    replayDeadLetters: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "webhook_id": "3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
                 *       "since": "2025-01-15T00:00:00Z",
                 *       "until": "2025-01-16T00:00:00Z"
                 *     }
                 */
                "application/json": components["schemas"]["BulkReplayRequest"];
            };
        };
        responses: {
            /** @description Enqueued for delivery. */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "webhook_id": "3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
                     *       "replayed": 12,
                     *       "skipped": 1,
                     *       "truncated": false
                     *     }
                     */
                    "application/json": components["schemas"]["BulkReplayResult"];
                };
            };
            /** @description Invalid body: `malformed_json` (not JSON, or data after the JSON value), `invalid_field` (the body is not a JSON object, or a field is missing, unknown, of the wrong type or out of range: `webhook_id` missing or not a UUID, `since` or `until` not RFC 3339; the message names the field), `unreadable_body`. Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such webhook in the caller's account (or `webhook_id` is not a UUID): `webhook_not_found`. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `webhook_inactive`: the webhook is deactivated; activate it first. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    replayDeadLetter: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path: {
                /**
                 * @description The dead letter's `delivery_id` (a UUID). Unknown, of another account, or not a UUID: `404 dead_letter_not_found`.
                 * @example 8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a
                 */
                delivery_id: components["parameters"]["DeliveryIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Enqueued for delivery. */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "delivery_id": "8d4e2f6a-1b3c-5d7e-9f0a-2b4c6d8e0f1a",
                     *       "replayed": true
                     *     }
                     */
                    "application/json": components["schemas"]["ReplayResult"];
                };
            };
            /** @description Bad request. Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. A path parameter that is not valid percent-encoded UTF-8 is `bad_request`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description `dead_letter_not_found`: no such dead letter in the caller's account (or `delivery_id` is not a UUID). `webhook_not_found`: its webhook was deleted. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `already_replayed`: this dead letter was replayed already. `webhook_inactive`: the webhook is deactivated; activate it first (`PUT /v1/webhooks/{webhook_id}` with `is_active: true`). */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getAnalyticsSummary: {
        parameters: {
            query?: {
                /**
                 * @description Start of the range (RFC 3339, inclusive), rounded down to the bucket (a minute for summary and breakdown). Default: 24 hours before `to`. Times before 1970 count as 1970. Not RFC 3339: `400 invalid_query`.
                 * @example 2026-11-24T00:00:00Z
                 */
                from?: components["parameters"]["AnalyticsFrom"];
                /**
                 * @description End of the range (RFC 3339, exclusive), rounded up to the bucket. Default: now. A `to` not after `from` is an empty range. Not RFC 3339: `400 invalid_query`.
                 * @example 2026-11-25T00:00:00Z
                 */
                to?: components["parameters"]["AnalyticsTo"];
            };
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The summary. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AnalyticsSummary"];
                };
            };
            /** @description `invalid_query` (bad or unknown query parameter, `from` or `to` not RFC 3339). Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getAnalyticsTimeseries: {
        parameters: {
            query?: {
                /** @description What to plot (default `events`). */
                metric?: components["schemas"]["AnalyticsMetric"];
                /** @description Bucket width: `minute`, `hour` (default) or `day`. Buckets are UTC-aligned. */
                bucket?: components["parameters"]["AnalyticsBucket"];
                /**
                 * @description Start of the range (RFC 3339, inclusive), rounded down to the bucket (a minute for summary and breakdown). Default: 24 hours before `to`. Times before 1970 count as 1970. Not RFC 3339: `400 invalid_query`.
                 * @example 2026-11-24T00:00:00Z
                 */
                from?: components["parameters"]["AnalyticsFrom"];
                /**
                 * @description End of the range (RFC 3339, exclusive), rounded up to the bucket. Default: now. A `to` not after `from` is an empty range. Not RFC 3339: `400 invalid_query`.
                 * @example 2026-11-25T00:00:00Z
                 */
                to?: components["parameters"]["AnalyticsTo"];
                /**
                 * @description Only events of this source (exact match). Events metrics only: with another metric or dimension, `400 filter_not_supported`.
                 * @example shop
                 */
                source?: components["parameters"]["AnalyticsSource"];
                /**
                 * @description Only events of this type (exact match). Events metrics only: with another metric or dimension, `400 filter_not_supported`.
                 * @example order.created
                 */
                event_type?: components["parameters"]["AnalyticsEventType"];
            };
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The points. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AnalyticsTimeseries"];
                };
            };
            /** @description `invalid_query` (bad or unknown query parameter), `too_many_points` (the range has more than 10,000 buckets of this width), `filter_not_supported` (a filter with a metric other than `events`). Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getAnalyticsBreakdown: {
        parameters: {
            query: {
                /** @description The dimension. */
                by: components["schemas"]["AnalyticsDimension"];
                /**
                 * @description Start of the range (RFC 3339, inclusive), rounded down to the bucket (a minute for summary and breakdown). Default: 24 hours before `to`. Times before 1970 count as 1970. Not RFC 3339: `400 invalid_query`.
                 * @example 2026-11-24T00:00:00Z
                 */
                from?: components["parameters"]["AnalyticsFrom"];
                /**
                 * @description End of the range (RFC 3339, exclusive), rounded up to the bucket. Default: now. A `to` not after `from` is an empty range. Not RFC 3339: `400 invalid_query`.
                 * @example 2026-11-25T00:00:00Z
                 */
                to?: components["parameters"]["AnalyticsTo"];
                /** @description Rows, 1 to 1000 (default 10); the rest is summed in `other`. Outside: `400 invalid_query`. */
                limit?: number;
                /**
                 * @description Only events of this source (exact match). Events metrics only: with another metric or dimension, `400 filter_not_supported`.
                 * @example shop
                 */
                source?: components["parameters"]["AnalyticsSource"];
                /**
                 * @description Only events of this type (exact match). Events metrics only: with another metric or dimension, `400 filter_not_supported`.
                 * @example order.created
                 */
                event_type?: components["parameters"]["AnalyticsEventType"];
            };
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The breakdown. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AnalyticsBreakdown"];
                };
            };
            /** @description `invalid_query` (bad, missing or unknown query parameter, `limit` out of range), `filter_not_supported` (a filter on the dimension itself, or with a dimension other than `source` and `event_type`). Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    exportAnalytics: {
        parameters: {
            query?: {
                /** @description `csv` or `json`; overrides `Accept`. */
                format?: "csv" | "json";
                /** @description Bucket width: `minute`, `hour` (default) or `day`. Buckets are UTC-aligned. */
                bucket?: components["parameters"]["AnalyticsBucket"];
                /**
                 * @description Start of the range (RFC 3339, inclusive), rounded down to the bucket (a minute for summary and breakdown). Default: 24 hours before `to`. Times before 1970 count as 1970. Not RFC 3339: `400 invalid_query`.
                 * @example 2026-11-24T00:00:00Z
                 */
                from?: components["parameters"]["AnalyticsFrom"];
                /**
                 * @description End of the range (RFC 3339, exclusive), rounded up to the bucket. Default: now. A `to` not after `from` is an empty range. Not RFC 3339: `400 invalid_query`.
                 * @example 2026-11-25T00:00:00Z
                 */
                to?: components["parameters"]["AnalyticsTo"];
            };
            header?: {
                /** @description Optional client request id, echoed in the `X-Request-Id` response header and in error bodies when it is 1 to 128 visible ASCII characters (anything else is replaced by a fresh UUID, never refused). */
                "X-Request-Id"?: components["parameters"]["RequestId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The buckets (`Content-Disposition: attachment`). */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AnalyticsExport"];
                    /**
                     * @example start,end,events,ingest_latency_p50_us,ingest_latency_p90_us,ingest_latency_p99_us,api_requests,api_2xx,api_4xx,api_5xx,delivery_attempts,deliveries_succeeded,delivery_failures,retries,dead_letters,ingest_to_delivery_p50_us,ingest_to_delivery_p90_us,ingest_to_delivery_p99_us
                     *     2026-11-24T10:00:00Z,2026-11-24T11:00:00Z,1200,812.4,1530.9,4102.2,1250,1240,10,0,2400,2390,10,10,0,20311.8,35120.5,48001.2
                     */
                    "text/csv": string;
                };
            };
            /** @description `invalid_query` (bad or unknown query parameter). Request-signing errors (only when signature headers are sent): `missing_header` (some but not all of the three headers), `malformed_header`, `unsupported_version`, `bad_encoding` (invalid percent-encoding in the path or query), `invalid_method`, `body_read_failed`. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenApiDocument"];
                };
            };
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["XRequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok"
                     *     }
                     */
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
}
