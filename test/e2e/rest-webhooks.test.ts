import { randomUUID } from 'node:crypto';
import { eventIdOf, paymentsSql, payOrder } from '../support/payments';
import { Receiver, signedBy } from '../support/receiver';
import { type RestCallOptions, countRows, restClient } from '../support/rest';
import { type Stack, startStack } from '../support/stack';
import { until } from '@pos/testing';

const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/;
const SCOPE = 'tilt/webhooks:subscribe';

describe('REST facade: webhook endpoints and deliveries (partner API v1)', () => {
  let stack: Stack;
  let demo: string;
  let other: string;
  const receivers: Receiver[] = [];
  /** Endpoints a test registered, disabled after it so that the next test's payments do not reach them. */
  const registered: { id: string; token: string }[] = [];

  beforeAll(async () => {
    stack = await startStack({
      // Short delays so five attempts take about two seconds; the timeout is short enough to test.
      subgraphEnv: { WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_POLL_MS: '25', WEBHOOK_TIMEOUT_MS: '400' },
    });
    [demo, other] = await Promise.all([stack.token(), stack.token('other-partner', 'other-secret')]);
  });
  afterEach(async () => {
    for (const { id, token } of registered.splice(0)) {
      const paused = await call('POST', `/pos/v1/webhook-endpoints/${id}`, { token, body: { enabled: false } });
      expect(paused.status).toBe(200);
    }
  });
  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
    await stack?.close();
  });

  const call = restClient(
    () => stack,
    () => demo,
  );
  const errorBody = (status: number, code: string, message: unknown = expect.any(String)) => ({
    status,
    code,
    timestamp: expect.stringMatching(ISO),
    message,
    details: expect.any(Array),
  });

  async function receiver(): Promise<{ hooks: Receiver; url: string }> {
    const hooks = new Receiver();
    receivers.push(hooks);
    return { hooks, url: await hooks.listen() };
  }

  async function register(body: Record<string, unknown>, token = demo) {
    const created = await call('POST', '/pos/v1/webhook-endpoints', { token, body });
    expect(created.status).toBe(201);
    registered.push({ id: created.body.id, token });
    return created.body as Record<string, any> & { id: string; secret: string };
  }

  const pay = async () => (await payOrder(stack, demo)).paymentId;
  const sql = <T>(query: string, params: unknown[] = []) => paymentsSql<T>(stack, query, params);
  /** The approval event of a payment: written with the payment, so it exists once `pay` returns. */
  const approvalOf = (paymentId: string) => eventIdOf(stack, paymentId);

  /** Everything stored about an endpoint and its deliveries, to show that a refused request changed nothing. */
  const snapshot = async (endpointId: string) => ({
    endpoint: await sql('select * from payments.webhook_endpoint where id = ?', [endpointId]),
    deliveries: await sql('select * from payments.webhook_delivery where endpoint_id = ? order by id', [endpointId]),
    endpoints: await countRows(stack, 'payments.webhook_endpoint'),
  });

  const deliveries = async (endpointId: string, query = '', token = demo) => {
    const listed = await call('GET', `/pos/v1/webhook-endpoints/${endpointId}/deliveries${query}`, { token });
    expect(listed.status).toBe(200);
    return listed.body.data as Record<string, any>[];
  };

  const secondsFromNow = (iso: string) => (Date.parse(iso) - Date.now()) / 1000;

  it('registers an endpoint: 201 with its secret shown once and stored sealed; list and get never show it', async () => {
    const { url } = await receiver();
    const created = await register({
      url,
      event_types: ['payment.refunded', 'payment.approved', 'payment.approved'],
      description: 'ERP payments feed',
    });
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      url,
      description: 'ERP payments feed',
      event_types: ['payment.approved', 'payment.refunded'],
      status: 'enabled',
      disabled_reason: null,
      previous_secret_expires_at: null,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
      secret: expect.stringMatching(SECRET),
    });
    const { secret, ...endpoint } = created;

    // At rest the secret is sealed (authenticated encryption, versioned), never in clear.
    const [row] = await sql<{ secret_sealed: string; previous_secret_sealed: string | null }>(
      'select secret_sealed, previous_secret_sealed from payments.webhook_endpoint where id = ?',
      [created.id],
    );
    expect(row.secret_sealed.startsWith('v1.')).toBe(true);
    expect(row.secret_sealed).not.toContain(secret.slice('whsec_'.length));
    expect(row.previous_secret_sealed).toBeNull();

    const read = await call('GET', `/pos/v1/webhook-endpoints/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(endpoint);
    const list = await call('GET', '/pos/v1/webhook-endpoints');
    expect(list.status).toBe(200);
    expect(list.body.data).toContainEqual(endpoint);
    for (const item of list.body.data) expect(Object.keys(item)).toEqual(Object.keys(endpoint));
    expect(JSON.stringify([read.body, list.body])).not.toContain(secret);

    // Only the url is required: every event type, no description; enabled: false registers it paused.
    const minimal = await register({ url });
    expect(minimal).toMatchObject({ event_types: [], description: null, status: 'enabled' });
    expect(minimal.secret).not.toBe(secret);
    const paused = await register({ url, enabled: false });
    expect(paused).toMatchObject({
      status: 'disabled',
      disabled_reason: 'partner',
      secret: expect.stringMatching(SECRET),
    });

    // Oldest first; the other partner lists none of these.
    const ids = (await call('GET', '/pos/v1/webhook-endpoints')).body.data.map((e: { id: string }) => e.id);
    expect(ids.slice(-3)).toEqual([created.id, minimal.id, paused.id]);
    const theirs = await call('GET', '/pos/v1/webhook-endpoints', { token: other });
    expect(theirs.body.data.map((e: { id: string }) => e.id)).not.toEqual(expect.arrayContaining([created.id]));
  });

  it('changes only what the body names, disables and enables again, and filters by event type', async () => {
    const { hooks, url } = await receiver();
    const endpoint = await register({ url, event_types: ['payment.refunded'], description: 'refunds only' });

    // An approval is not what this endpoint asked for: no delivery is even queued for it (they are written with
    // the event, in its transaction, so this holds as soon as the payment is answered).
    await pay();
    expect(await deliveries(endpoint.id)).toEqual([]);

    const everything = await call('POST', `/pos/v1/webhook-endpoints/${endpoint.id}`, { body: { event_types: [] } });
    expect(everything.status).toBe(200);
    const { secret: _secret, ...before } = endpoint;
    expect(everything.body).toEqual({ ...before, event_types: [], updated_at: expect.stringMatching(ISO) });
    expect(Date.parse(everything.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(endpoint.updated_at));
    const approved = await approvalOf(await pay());
    await until(() => hooks.of(approved).length === 1, 'the approval at the endpoint');
    expect((await deliveries(endpoint.id)).map((d) => [d.event_id, d.event_type])).toEqual([
      [approved, 'payment.approved'],
    ]);

    const described = await call('POST', `/pos/v1/webhook-endpoints/${endpoint.id}`, { body: { description: 'all' } });
    expect(described.body).toMatchObject({ description: 'all', event_types: [], url, status: 'enabled' });
    const cleared = await call('POST', `/pos/v1/webhook-endpoints/${endpoint.id}`, { body: { description: null } });
    expect(cleared.body.description).toBeNull();
    const { hooks: moved, url: newUrl } = await receiver();
    const relocated = await call('POST', `/pos/v1/webhook-endpoints/${endpoint.id}`, { body: { url: newUrl } });
    expect(relocated.body).toMatchObject({ url: newUrl, description: null, event_types: [] });

    // Disabled, it is sent nothing; enabled again, it is.
    const disabled = await call('POST', `/pos/v1/webhook-endpoints/${endpoint.id}`, { body: { enabled: false } });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ status: 'disabled', disabled_reason: 'partner', url: newUrl });
    await pay();
    expect(await deliveries(endpoint.id)).toHaveLength(1);
    const enabled = await call('POST', `/pos/v1/webhook-endpoints/${endpoint.id}`, { body: { enabled: true } });
    expect(enabled.body).toMatchObject({ status: 'enabled', disabled_reason: null });
    const later = await approvalOf(await pay());
    await until(() => moved.of(later).length === 1, 'the approval at the new URL');
    expect(hooks.of(later)).toHaveLength(0);
    expect(await deliveries(endpoint.id)).toHaveLength(2);
    expect((await call('GET', `/pos/v1/webhook-endpoints/${endpoint.id}`)).body).toEqual(enabled.body);
  });

  it('rotates the secret: the new one is shown once, both sign during the overlap, and overlap 0 ends it', async () => {
    const { hooks, url } = await receiver();
    const { id, secret: first } = await register({ url });

    const rotated = await call('POST', `/pos/v1/webhook-endpoints/${id}/rotate-secret`, {
      body: { overlap_seconds: 3600 },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id, url, status: 'enabled', secret: expect.stringMatching(SECRET) });
    const second = rotated.body.secret as string;
    expect(second).not.toBe(first);
    expect(secondsFromNow(rotated.body.previous_secret_expires_at)).toBeGreaterThan(3500);
    expect(secondsFromNow(rotated.body.previous_secret_expires_at)).toBeLessThanOrEqual(3600);
    const read = await call('GET', `/pos/v1/webhook-endpoints/${id}`);
    expect(read.body).not.toHaveProperty('secret');
    expect(read.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);
    const [row] = await sql<{ secret_sealed: string; previous_secret_sealed: string }>(
      'select secret_sealed, previous_secret_sealed from payments.webhook_endpoint where id = ?',
      [id],
    );
    for (const sealed of [row.secret_sealed, row.previous_secret_sealed]) {
      expect(sealed.startsWith('v1.')).toBe(true);
      expect(sealed).not.toContain(first.slice(6));
      expect(sealed).not.toContain(second.slice(6));
    }

    // During the overlap each delivery carries two signatures, the new secret's first: either secret verifies.
    const during = await approvalOf(await pay());
    await until(() => hooks.of(during).length === 1, 'a delivery during the overlap');
    const [overlapped] = hooks.of(during);
    expect((overlapped.headers['x-tilt-signature'] as string).split(', ')).toHaveLength(2);
    expect(signedBy(second, overlapped)).toBe(true);
    expect(signedBy(first, overlapped)).toBe(true);

    // Without a body: the default overlap, 24 hours.
    const byDefault = await call('POST', `/pos/v1/webhook-endpoints/${id}/rotate-secret`);
    expect(byDefault.status).toBe(200);
    expect(secondsFromNow(byDefault.body.previous_secret_expires_at)).toBeGreaterThan(86_300);

    // overlap 0: the replaced secret stops signing at once.
    const ended = await call('POST', `/pos/v1/webhook-endpoints/${id}/rotate-secret`, { body: { overlap_seconds: 0 } });
    expect(ended.status).toBe(200);
    expect(ended.body.previous_secret_expires_at).toBeNull();
    const latest = ended.body.secret as string;
    const after = await approvalOf(await pay());
    await until(() => hooks.of(after).length === 1, 'a delivery after the rotation');
    const [single] = hooks.of(after);
    expect(single.headers['x-tilt-signature']).not.toContain(',');
    expect(signedBy(latest, single)).toBe(true);
    expect(signedBy(byDefault.body.secret, single)).toBe(false);
    expect(signedBy(first, single)).toBe(false);
  });

  it('lists deliveries with their attempt log, the dead-letter queue among them, and replays a dead one', async () => {
    const { hooks, url } = await receiver();
    let healthy = false;
    hooks.answer = () => ({ status: healthy ? 200 : 502 });
    const endpoint = await register({ url });
    const eventId = await approvalOf(await pay());

    await until(async () => (await deliveries(endpoint.id, '?status=dead')).length === 1, 'the dead letter');
    const [dead] = await deliveries(endpoint.id, '?status=dead');
    expect(dead).toEqual({
      id: expect.stringMatching(UUID),
      endpoint_id: endpoint.id,
      event_id: eventId,
      event_type: 'payment.approved',
      status: 'dead',
      attempts: 5,
      next_attempt_at: expect.stringMatching(ISO),
      last_attempt_at: expect.stringMatching(ISO),
      last_status_code: 502,
      last_error: 'http_502',
      delivered_at: null,
      replays: 0,
      created_at: expect.stringMatching(ISO),
      attempt_log: [1, 2, 3, 4, 5].map((attempt) => ({
        attempt,
        status_code: 502,
        error: 'http_502',
        duration_ms: expect.any(Number),
        attempted_at: expect.stringMatching(ISO),
      })),
    });
    expect(hooks.of(eventId)).toHaveLength(5);
    expect(await deliveries(endpoint.id, '?status=pending')).toEqual([]);
    expect(await deliveries(endpoint.id, '?status=delivered')).toEqual([]);
    expect(await deliveries(endpoint.id)).toEqual([dead]);

    // The partner replays its own dead letter: accepted, a new run of attempts, the same event and body.
    healthy = true;
    const replay = await call('POST', `/pos/v1/webhook-deliveries/${dead.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id: dead.id, event_id: eventId, status: 'pending', attempts: 0, replays: 1 });
    await until(async () => (await deliveries(endpoint.id))[0].status === 'delivered', 'the replayed delivery');
    const [delivered] = await deliveries(endpoint.id, '?status=delivered');
    expect(delivered).toMatchObject({
      id: dead.id,
      attempts: 1,
      replays: 1,
      last_status_code: 200,
      last_error: null,
      delivered_at: expect.stringMatching(ISO),
    });
    expect(delivered.attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([
      502, 502, 502, 502, 502, 200,
    ]);
    const attempts = hooks.of(eventId);
    expect(attempts).toHaveLength(6);
    expect(signedBy(endpoint.secret, attempts[5])).toBe(true);
    expect(attempts[5].rawBody).toBe(attempts[0].rawBody);

    // What is not dead cannot be replayed.
    const again = await call('POST', `/pos/v1/webhook-deliveries/${dead.id}/replay`);
    expect(again.status).toBe(409);
    expect(again.body).toEqual(errorBody(409, 'delivery_not_dead'));

    // Newest first, and limit takes the newest.
    const next = await approvalOf(await pay());
    await until(() => hooks.of(next).length === 1, 'the next event');
    await until(async () => (await deliveries(endpoint.id))[0].status === 'delivered', 'the next delivery');
    expect((await deliveries(endpoint.id)).map((d) => d.event_id)).toEqual([next, eventId]);
    expect((await deliveries(endpoint.id, '?limit=1')).map((d) => d.event_id)).toEqual([next]);
    expect(await deliveries(endpoint.id, '?status=dead&limit=200')).toEqual([]);

    // A dead letter of a disabled endpoint waits until the endpoint is enabled again.
    healthy = false;
    const third = await approvalOf(await pay());
    await until(async () => (await deliveries(endpoint.id, '?status=dead')).length === 1, 'the second dead letter');
    const [stuck] = await deliveries(endpoint.id, '?status=dead');
    expect(stuck.event_id).toBe(third);
    await call('POST', `/pos/v1/webhook-endpoints/${endpoint.id}`, { body: { enabled: false } });
    const before = await snapshot(endpoint.id);
    const refused = await call('POST', `/pos/v1/webhook-deliveries/${stuck.id}/replay`);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual(errorBody(409, 'endpoint_disabled'));
    expect(await snapshot(endpoint.id)).toEqual(before);
  });

  it("answers 404 for the other partner's endpoint and delivery ids, and changes nothing", async () => {
    const { hooks, url } = await receiver();
    hooks.answer = () => ({ status: 500 });
    const endpoint = await register({ url, description: 'demo only' });
    await pay();
    await until(async () => (await deliveries(endpoint.id, '?status=dead')).length === 1, 'the dead letter');
    const [dead] = await deliveries(endpoint.id, '?status=dead');
    const before = await snapshot(endpoint.id);

    const notFound = (message: string) => ({ ...errorBody(404, 'not_found', message), details: [] });
    const endpointPaths: [string, string, RestCallOptions][] = [
      ['GET', `/pos/v1/webhook-endpoints/${endpoint.id}`, {}],
      ['POST', `/pos/v1/webhook-endpoints/${endpoint.id}`, { body: { url: 'https://evil.example/hooks' } }],
      ['POST', `/pos/v1/webhook-endpoints/${endpoint.id}`, { body: { enabled: false } }],
      ['POST', `/pos/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { body: { overlap_seconds: 0 } }],
      ['GET', `/pos/v1/webhook-endpoints/${endpoint.id}/deliveries`, {}],
      ['GET', `/pos/v1/webhook-endpoints/${endpoint.id}/deliveries?status=dead`, {}],
    ];
    for (const [method, path, options] of endpointPaths) {
      const response = await call(method as 'GET' | 'POST', path, { ...options, token: other });
      expect([method, path, response.status, response.body]).toEqual([
        method,
        path,
        404,
        notFound('Webhook endpoint not found'),
      ]);
    }
    const replay = await call('POST', `/pos/v1/webhook-deliveries/${dead.id}/replay`, { token: other });
    expect(replay.status).toBe(404);
    expect(replay.body).toEqual(notFound('Webhook delivery not found'));
    const list = await call('GET', '/pos/v1/webhook-endpoints', { token: other });
    expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(endpoint.id);

    // Ids that exist nowhere answer the same.
    const unknown = randomUUID();
    expect((await call('GET', `/pos/v1/webhook-endpoints/${unknown}`)).body).toEqual(
      notFound('Webhook endpoint not found'),
    );
    expect((await call('GET', `/pos/v1/webhook-endpoints/${unknown}/deliveries`)).status).toBe(404);
    expect((await call('POST', `/pos/v1/webhook-endpoints/${unknown}`, { body: { enabled: true } })).status).toBe(404);
    expect((await call('POST', `/pos/v1/webhook-endpoints/${unknown}/rotate-secret`)).status).toBe(404);
    expect((await call('POST', `/pos/v1/webhook-deliveries/${unknown}/replay`)).status).toBe(404);

    expect(await snapshot(endpoint.id)).toEqual(before);
    expect(hooks.received).toHaveLength(5);
  });

  describe('who may call', () => {
    const routes: [string, 'GET' | 'POST', (id: string) => string, unknown][] = [
      ['register', 'POST', () => '/pos/v1/webhook-endpoints', { url: 'https://example.com/hooks' }],
      ['list', 'GET', () => '/pos/v1/webhook-endpoints', undefined],
      ['get', 'GET', (id) => `/pos/v1/webhook-endpoints/${id}`, undefined],
      ['update', 'POST', (id) => `/pos/v1/webhook-endpoints/${id}`, { description: 'changed' }],
      ['rotate', 'POST', (id) => `/pos/v1/webhook-endpoints/${id}/rotate-secret`, { overlap_seconds: 0 }],
      ['deliveries', 'GET', (id) => `/pos/v1/webhook-endpoints/${id}/deliveries`, undefined],
      ['replay', 'POST', (id) => `/pos/v1/webhook-deliveries/${id}/replay`, undefined],
    ];
    let target: string;
    beforeAll(async () => {
      const created = await call('POST', '/pos/v1/webhook-endpoints', {
        body: { url: 'https://example.com/hooks', enabled: false },
      });
      target = created.body.id;
    });

    it.each(routes)(
      '%s: 401 without a token, 403 without the scope or as a POS user',
      async (_name, method, path, body) => {
        const before = await snapshot(target);
        const anonymous = await call(method, path(target), { token: null, body });
        expect(anonymous.status).toBe(401);
        expect(anonymous.body).toEqual(errorBody(401, 'unauthorized', 'Unauthorized'));
        expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);

        const readOnly = await stack.token('demo-partner', 'demo-secret', 'tilt/pos:read tilt/pos:orders');
        const narrow = await call(method, path(target), { token: readOnly, body });
        expect(narrow.status).toBe(403);
        expect(narrow.body).toEqual({
          ...errorBody(403, 'insufficient_scope', 'Forbidden'),
          details: [`The access token lacks the scope ${SCOPE}`],
        });

        // POS users (staff at a location) never manage a partner's webhooks.
        const manager = await stack.userToken('manager@demo.example');
        const user = await call(method, path(target), { token: manager, body });
        expect(user.status).toBe(403);
        expect(user.body.code).toBe('insufficient_scope');
        expect(await snapshot(target)).toEqual(before);
      },
    );

    it('a token holding only the webhooks scope is enough', async () => {
      const only = await stack.token('demo-partner', 'demo-secret', SCOPE);
      const read = await call('GET', `/pos/v1/webhook-endpoints/${target}`, { token: only });
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(target);
    });
  });

  describe('bad input answers 400 (or 415) with the documented body and changes nothing', () => {
    let target: string;
    let deliveryId: string;
    beforeAll(async () => {
      const { url } = await receiver();
      const created = await call('POST', '/pos/v1/webhook-endpoints', { body: { url, description: 'target' } });
      target = created.body.id;
      await pay();
      const [delivery] = await sql<{ id: string }>('select id from payments.webhook_delivery where endpoint_id = ?', [
        target,
      ]);
      deliveryId = delivery.id;
      // Settled before the snapshots start: an attempt still in flight would change the row under a test.
      await until(
        async () =>
          (await sql<{ status: string }>('select status from payments.webhook_delivery where id = ?', [deliveryId]))[0]
            .status === 'DELIVERED',
        'the delivery to settle',
      );
      await call('POST', `/pos/v1/webhook-endpoints/${target}`, { body: { enabled: false } });
    });

    const create = '/pos/v1/webhook-endpoints';
    const update = (id = '{target}') => `/pos/v1/webhook-endpoints/${id}`;
    const rotate = (id = '{target}') => `/pos/v1/webhook-endpoints/${id}/rotate-secret`;
    const list = (query: string, id = '{target}') => `/pos/v1/webhook-endpoints/${id}/deliveries${query}`;
    const https = 'https://example.com/hooks';

    it.each<[string, 'GET' | 'POST', string, RestCallOptions, number, string]>([
      ['register without a url', 'POST', create, { body: { event_types: [] } }, 400, 'body.url'],
      ['register with a url that is a number', 'POST', create, { body: { url: 42 } }, 400, 'body.url'],
      [
        'register with an ftp url',
        'POST',
        create,
        { body: { url: 'ftp://example.com/x' } },
        400,
        'url: must be an http or https URL',
      ],
      [
        'register with a relative url',
        'POST',
        create,
        { body: { url: '/hooks' } },
        400,
        'url: must be an absolute URL',
      ],
      [
        'register with credentials in the url',
        'POST',
        create,
        { body: { url: 'https://a:b@example.com/' } },
        400,
        'url: must not carry credentials',
      ],
      [
        'register with an unknown event type',
        'POST',
        create,
        { body: { url: https, event_types: ['payment.stolen'] } },
        400,
        'body.event_types.0',
      ],
      [
        'register with event_types not a list',
        'POST',
        create,
        { body: { url: https, event_types: 'payment.approved' } },
        400,
        'body.event_types',
      ],
      [
        'register with enabled as a string',
        'POST',
        create,
        { body: { url: https, enabled: 'yes' } },
        400,
        'body.enabled',
      ],
      [
        'register with an oversize description',
        'POST',
        create,
        { body: { url: https, description: 'd'.repeat(256) } },
        400,
        'description: at most 255 characters',
      ],
      [
        'register with an unknown field',
        'POST',
        create,
        { body: { url: https, secret: 'whsec_mine' } },
        400,
        'Unrecognized key: "secret"',
      ],
      ['register with malformed JSON', 'POST', create, { raw: '{"url": ' }, 400, 'body: malformed JSON'],
      ['register with a JSON array', 'POST', create, { raw: '["https://example.com"]' }, 400, 'body'],
      [
        'register with a form body',
        'POST',
        create,
        { raw: 'url=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        415,
        '',
      ],
      [
        'update with an empty body',
        'POST',
        update(),
        { body: {} },
        400,
        'at least one of url, event_types, description, enabled',
      ],
      ['update without a body', 'POST', update(), {}, 400, 'at least one of url, event_types, description, enabled'],
      ['update with a null url', 'POST', update(), { body: { url: null } }, 400, 'body.url'],
      ['update with a null enabled', 'POST', update(), { body: { enabled: null } }, 400, 'body.enabled'],
      [
        'update with an unknown field',
        'POST',
        update(),
        { body: { enabled: true, status: 'enabled' } },
        400,
        'Unrecognized key: "status"',
      ],
      [
        'update with an unknown event type',
        'POST',
        update(),
        { body: { event_types: ['payment.approved', 'x'] } },
        400,
        'body.event_types.1',
      ],
      [
        'update with a url with a fragment',
        'POST',
        update(),
        { body: { url: 'https://example.com/#frag' } },
        400,
        'url: must not have a fragment',
      ],
      [
        'update with a blank description',
        'POST',
        update(),
        { body: { description: '  ' } },
        400,
        'description: must not be blank',
      ],
      [
        'update of a malformed id',
        'POST',
        update('not-a-uuid'),
        { body: { enabled: true } },
        400,
        'path.id: id must be a UUID',
      ],
      [
        'rotate with a negative overlap',
        'POST',
        rotate(),
        { body: { overlap_seconds: -1 } },
        400,
        'body.overlap_seconds',
      ],
      [
        'rotate with a fractional overlap',
        'POST',
        rotate(),
        { body: { overlap_seconds: 1.5 } },
        400,
        'body.overlap_seconds',
      ],
      [
        'rotate with an overlap over 7 days',
        'POST',
        rotate(),
        { body: { overlap_seconds: 604_801 } },
        400,
        'body.overlap_seconds',
      ],
      [
        'rotate with an overlap as a string',
        'POST',
        rotate(),
        { body: { overlap_seconds: '60' } },
        400,
        'body.overlap_seconds',
      ],
      ['rotate with an unknown field', 'POST', rotate(), { body: { overlap: 60 } }, 400, 'Unrecognized key: "overlap"'],
      ['rotate of a malformed id', 'POST', rotate('123'), {}, 400, 'path.id: id must be a UUID'],
      ['get of a malformed id', 'GET', update('not-a-uuid'), {}, 400, 'path.id: id must be a UUID'],
      ['get with a query', 'GET', `${update()}?expand=secret`, {}, 400, 'query: Unrecognized key: "expand"'],
      ['list with a query', 'GET', `${create}?page=2`, {}, 400, 'query: Unrecognized key: "page"'],
      ['deliveries with an unknown status', 'GET', list('?status=failed'), {}, 400, 'query.status'],
      ['deliveries with an upper-case status', 'GET', list('?status=DEAD'), {}, 400, 'query.status'],
      ['deliveries with two statuses', 'GET', list('?status=dead&status=pending'), {}, 400, 'query.status'],
      [
        'deliveries with limit 0',
        'GET',
        list('?limit=0'),
        {},
        400,
        'query.limit: limit must be an integer from 1 to 200',
      ],
      [
        'deliveries with limit 201',
        'GET',
        list('?limit=201'),
        {},
        400,
        'query.limit: limit must be an integer from 1 to 200',
      ],
      [
        'deliveries with limit abc',
        'GET',
        list('?limit=abc'),
        {},
        400,
        'query.limit: limit must be an integer from 1 to 200',
      ],
      ['deliveries with limit 1.5', 'GET', list('?limit=1.5'), {}, 400, 'query.limit'],
      ['deliveries with an unknown parameter', 'GET', list('?cursor=x'), {}, 400, 'query: Unrecognized key: "cursor"'],
      ['deliveries of a malformed id', 'GET', list('', 'abc'), {}, 400, 'path.id: id must be a UUID'],
      [
        'replay of a malformed id',
        'POST',
        '/pos/v1/webhook-deliveries/abc/replay',
        {},
        400,
        'path.id: id must be a UUID',
      ],
      [
        'replay with a query',
        'POST',
        '/pos/v1/webhook-deliveries/{delivery}/replay?force=true',
        {},
        400,
        'query: Unrecognized key: "force"',
      ],
    ])('%s', async (_name, method, path, request, status, detail) => {
      const before = await snapshot(target);
      const response = await call(method, path.replace('{target}', target).replace('{delivery}', deliveryId), request);
      expect(response.status).toBe(status);
      expect(response.body).toEqual(errorBody(status, status === 415 ? 'unsupported_media_type' : 'validation_error'));
      if (detail) expect(response.body.details.join('\n')).toContain(detail);
      expect(await snapshot(target)).toEqual(before);
    });
  });

  it('refuses a 21st endpoint of one partner (422 too_many_endpoints)', async () => {
    const { url } = await receiver();
    const existing = (await call('GET', '/pos/v1/webhook-endpoints', { token: other })).body.data.length;
    for (let i = existing; i < 20; i++) await register({ url, enabled: false }, other);
    const count = await countRows(stack, 'payments.webhook_endpoint');
    const refused = await call('POST', '/pos/v1/webhook-endpoints', { token: other, body: { url } });
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual(errorBody(422, 'too_many_endpoints'));
    expect(await countRows(stack, 'payments.webhook_endpoint')).toBe(count);
  });
});
