// Type-checks the published ESM types the way a consumer's project sees them
// (test.sh runs `tsc -p test/types`); never executed.
import {
  SignatureError,
  signRequest,
  signWebhook,
  verifyRequest,
  verifyWebhook,
  type SignatureErrorCode,
  type SignedRequest,
  type VerifiedRequest,
  type VerifiedWebhook,
} from '@zapier/triggers-api-client';
import { canonicalString } from '@zapier/triggers-api-client/signing';

const signed: SignedRequest = signRequest({ secret: 's', method: 'POST', target: '/v1/events', body: '{}' });
const headerValue: string = signed.headers['X-Signature'];
const ok: VerifiedRequest = verifyRequest({
  secrets: ['new', 'old'],
  method: 'POST',
  target: new URL('https://example.invalid/v1/events'),
  body: new Uint8Array(2),
  headers: new Headers(signed.headers),
  now: 1_700_000_000n,
});
const index: number = ok.secretIndex;
const hook = signWebhook({ secret: ['whsec_a', 'whsec_b'], id: 'msg_1', body: new Uint8Array(0), timestamp: 1 });
const delivered: VerifiedWebhook = verifyWebhook({ secrets: 'whsec_a', headers: { ...hook.headers }, body: '' });
const text: string = canonicalString({ method: 'GET', target: '/', timestamp: 0 });
try {
  verifyRequest({ secrets: 's', method: 'GET', target: '/', headers: {} });
} catch (error) {
  if (error instanceof SignatureError) {
    const code: SignatureErrorCode = error.code;
    void code;
  }
}
// @ts-expect-error the body is bytes or a string
signRequest({ secret: 's', method: 'GET', target: '/', body: 42 });
void [headerValue, index, delivered, text];
