/**
 * @zapier/triggers-api-client (browser build): see `index.ts`; the HTTP
 * client will be re-exported here too.
 */
export * from './signing.browser.js';
