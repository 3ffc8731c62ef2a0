// Type-checks the published CommonJS types (`require`); never executed.
import triggers = require('@zapier/triggers-api-client');

const signed: triggers.SignedRequest = triggers.signRequest({ secret: 's', method: 'GET', target: '/' });
const code: triggers.SignatureErrorCode = new triggers.SignatureError('bad_encoding').code;
// @ts-expect-error not one of the nine codes
new triggers.SignatureError('nope');
void [signed, code];

async function cjsClient(): Promise<triggers.Event> {
  const client = new triggers.TriggersClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'trgk_x' });
  return client.getEvent('id');
}
void cjsClient;
