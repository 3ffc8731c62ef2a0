/** The service the tests run against (scripts/with-service.sh). */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

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

/**
 * An admin key of a new, empty account (`triggers-service keys create
 * --account … --admin` on the test service's data directory), so analytics
 * counts are this test's alone whatever else the service holds.
 */
export async function freshAccount(name: string): Promise<{ account: string; apiKey: string }> {
  const bin = process.env.TRIGGERS_TEST_SERVICE_BIN;
  const dataDir = process.env.TRIGGERS_TEST_DATA_DIR;
  if (!bin || !dataDir) {
    throw new Error('TRIGGERS_TEST_SERVICE_BIN / TRIGGERS_TEST_DATA_DIR are not set: run through ../scripts/with-service.sh');
  }
  const account = `acct_console_${name}_${Math.random().toString(36).slice(2, 10)}`;
  const { stdout } = await promisify(execFile)(bin, [
    'keys',
    'create',
    '--name',
    `console-${name}`,
    '--account',
    account,
    '--admin',
    '--data-dir',
    dataDir,
  ]);
  const apiKey = /^api_key:\s+(trgk_\S+)/m.exec(stdout)?.[1];
  if (!apiKey) throw new Error(`keys create printed no api_key: ${stdout}`);
  return { account, apiKey };
}
