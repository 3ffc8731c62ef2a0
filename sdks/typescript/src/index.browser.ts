/**
 * @zapier/triggers-api-client (browser build): the same API as `index.ts`,
 * with the WebAssembly inlined and no `User-Agent` (browsers set their own).
 */
export * from './signing.browser.js';
export * from './models.js';
export * from './client/client.js';
export { VERSION } from './version.js';
