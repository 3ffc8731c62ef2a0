/** The service the tests run against (scripts/with-service.sh). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export function service(): { baseUrl: string; adminKey: string } {
  const baseUrl = process.env.TRIGGERS_TEST_BASE_URL;
  const adminKey = process.env.TRIGGERS_TEST_ADMIN_KEY;
  if (!baseUrl || !adminKey) {
    throw new Error(
      'TRIGGERS_TEST_BASE_URL / TRIGGERS_TEST_ADMIN_KEY are not set: run the tests through ../scripts/with-service.sh (console/test.sh does)',
    );
  }
  return { baseUrl, adminKey };
}

/** A call to the service with the admin key (test set-up, not the code under test). */
export async function admin<T = unknown>(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: T }> {
  const { baseUrl, adminKey } = service();
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${key ?? adminKey}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A new API key of the account: `{api_key, key_id}`. */
export async function newKey(role: 'admin' | 'standard'): Promise<{ api_key: string; key_id: string }> {
  const r = await admin<{ api_key: string; key_id: string }>('POST', '/v1/api-keys', { name: `console-test-${role}`, role });
  if (r.status !== 201) throw new Error(`creating a key: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that answers `status` with `reply`. */
export async function receiver(status = 200, reply = 'ok from the test receiver') {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
