import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { loadApiConfig } from '../../api/config.js';
import type { Database } from '../../db/connection.js';
import { type MailCatcher, startMailCatcher } from '../../dev/mail-catcher.js';
import { freePort } from '../../dev/ports.js';
import { createMailer } from '../../mail/transport.js';
import { randomUUID } from 'node:crypto';
import { connectTestDatabase, eventually, startTestWorker, testApiEnv, testClient } from '../support/stack.js';

describe('GET /api/health and /api/health/ready', () => {
  let database: Database;
  let catcher: MailCatcher;
  let connection: Connection;
  let temporal: Client;

  beforeAll(async () => {
    database = await connectTestDatabase();
    catcher = await startMailCatcher({ port: 0 });
    connection = await Connection.connect({ address: inject('temporalAddress') });
    temporal = testClient(connection);
  });
  afterAll(async () => {
    await connection?.close();
    await catcher?.close();
    await database?.close();
  });

  const config = loadApiConfig(testApiEnv);

  it('answers 503 naming the worker until a worker polls the task queue, then 200 when every part answers', async () => {
    const taskQueue = `health-${randomUUID()}`;
    const mailer = createMailer({ smtpUrl: catcher.url, from: 'x@itsra.example' });
    const app = await buildApp({ config: loadApiConfig({ ...testApiEnv, TEMPORAL_TASK_QUEUE: taskQueue }), database, temporal, mailer });
    const before = await app.inject({ method: 'GET', url: '/api/health' });
    expect(before.statusCode).toBe(503);
    expect(before.json()).toMatchObject({ down: ['worker'], parts: { worker: { up: false, error: expect.stringContaining(taskQueue) } } });
    // The process itself can serve: a load balancer keeps it.
    expect((await app.inject({ method: 'GET', url: '/api/health/ready' })).json()).toEqual({ status: 'ok' });

    const worker = await startTestWorker({ database, mailer, taskQueue });
    try {
      const after = await eventually(async () => {
        const response = await app.inject({ method: 'GET', url: '/api/health' });
        return response.statusCode === 200 ? response : undefined;
      });
      expect(after.json()).toEqual({
        status: 'ok',
        down: [],
        parts: { temporal: { up: true }, database: { up: true }, smtp: { up: true }, worker: { up: true } },
      });
    } finally {
      await worker.shutdown();
      await app.close();
      mailer.close();
    }
  });

  it('answers 503 naming SMTP when no relay listens', async () => {
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${await freePort()}`, from: 'x@itsra.example' });
    const app = await buildApp({ config, database, temporal, mailer });
    const response = await app.inject({ method: 'GET', url: '/api/health' });
    await app.close();
    mailer.close();
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'unavailable', parts: { smtp: { up: false } } });
    expect(response.json().down).toContain('smtp');
  });

  it('answers 503 naming Temporal and the database when they are unreachable', async () => {
    const deadDatabase = await connectTestDatabase();
    await deadDatabase.close();
    // A lazy connection to a closed port stands for a Temporal server that went away after start-up.
    // Not closed here: the SDK's retry timer outlives the call's deadline and would throw on a closed channel.
    const lazy = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const mailer = createMailer({ smtpUrl: catcher.url, from: 'x@itsra.example' });
    const app = await buildApp({ config, database: deadDatabase, temporal: new Client({ connection: lazy }), mailer });
    const response = await app.inject({ method: 'GET', url: '/api/health' });
    const ready = await app.inject({ method: 'GET', url: '/api/health/ready' });
    await app.close();
    mailer.close();
    expect(response.statusCode).toBe(503);
    // Without Temporal, no worker can be seen either.
    expect(response.json().down).toEqual(['temporal', 'database', 'worker']);
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', down: ['temporal', 'database'] });
  });

  it('answers a request that needs Temporal with a French 503 within the timeout while Temporal is down', async () => {
    // Left open, like the one above.
    const lazy = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const mailer = createMailer({ smtpUrl: catcher.url, from: 'x@itsra.example' });
    const app = await buildApp({ config: loadApiConfig({ ...testApiEnv, WORKFLOW_UPDATE_TIMEOUT_MS: '1500' }), database, temporal: new Client({ connection: lazy }), mailer });
    const started = Date.now();
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/password-reset',
      payload: { identifier: 'someone', email: 'someone@example.org' },
    });
    const elapsed = Date.now() - started;
    await app.close();
    mailer.close();
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('momentanément indisponible') });
    expect(elapsed).toBeLessThan(10_000);
  });
});
