/**
 * @zapier/triggers-api-client (Node build).
 *
 * Today: signing (`./signing.ts`): v1 request signatures and Standard
 * Webhooks signatures, computed by the Rust core compiled to WebAssembly.
 *
 * Next: the HTTP client of the Triggers API goes in `./client/` and is
 * re-exported here (it will sign its requests with `signRequest`).
 */
export * from './signing.js';
