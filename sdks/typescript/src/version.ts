/** This package's version (test/client-offline.test.mjs checks it against package.json). */
export const VERSION = '0.1.0';
