/**
 * @zapier/triggers-api-client (Node build).
 *
 * - `TriggersClient` (`./client/`): the HTTP client of the Triggers API, one
 *   method per operation of docs/openapi.json, over the platform's `fetch`,
 *   optionally signing every request;
 * - the API's models (`./models.ts`, generated from docs/openapi.json);
 * - signing (`./signing.ts`): v1 request signatures and Standard Webhooks
 *   signatures, computed by the Rust core compiled to WebAssembly, and
 *   `verifyWebhookPayload` for webhook receivers;
 * - errors: `TriggersError`, the base of `ApiError`, `NetworkError` and
 *   `SignatureError`.
 */
import { setPlatform } from './platform.js';
import { VERSION } from './version.js';

const node = (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node;
setPlatform({ userAgent: `triggers-api-client-js/${VERSION}${typeof node === 'string' ? ` node/${node}` : ''}` });

export * from './signing.js';
export * from './models.js';
export * from './client/client.js';
export { VERSION } from './version.js';
