import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../accounts/accounts.js';
import { defaultRateRules } from '../../api/rate-rules.js';
import { STRONG_PASSWORD } from '../support/accounts.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { report } from './support/report.js';

const figures: Record<string, unknown> = {};

describe('authentication abuse', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The default limits, in windows ten years long: counters are aligned on the window, and a
    // 15-minute or hourly boundary in the middle of a test would reset them.
    const decade = 10 * 365 * 24 * 3_600_000;
    const rules = Object.fromEntries(Object.entries(defaultRateRules).map(([key, rule]) => [key, { ...rule, windowMs: decade }]));
    stack = await startTestStack({ rateRules: rules });
    await createAccount(stack.database.models, { identifier: 'victime', email: 'victime@example.org', firstName: 'V', lastName: 'M', password: STRONG_PASSWORD, role: 'candidate' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const post = (url: string, payload: object, ip = '198.51.100.7') => stack.app.inject({ method: 'POST', url, payload, remoteAddress: ip });

  it('lets at most five password guesses through out of 200 parallel ones, then refuses even the right password (429)', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, n) => post('/api/auth/login', { login: 'victime', password: `guess-${n}` }, `203.0.113.${n % 250}`)));
    const statuses = answers.map((answer) => answer.statusCode);
    const checked = statuses.filter((status) => status === 401).length;
    const right = await post('/api/auth/login', { login: 'victime', password: STRONG_PASSWORD }, '192.0.2.1');
    figures.parallelGuesses = { sent: 200, passwordChecks: checked, refused429: statuses.filter((s) => s === 429).length, rightPasswordAfter: right.statusCode };
    expect(checked).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    expect(right.statusCode).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('stops one client trying many accounts (credential stuffing) after its log-in budget', async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 40; n += 1) statuses.push((await post('/api/auth/login', { login: `someone-${n}`, password: 'Password123!' }, '198.51.100.99')).statusCode);
    figures.credentialStuffing = { sent: 40, firstRefusedAt: statuses.indexOf(429) + 1 };
    expect(statuses.slice(0, 30).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(30).every((status) => status === 429)).toBe(true);
  });

  it('floods of reset requests from one client get 429 after its budget, whatever the accounts', async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 15; n += 1) statuses.push((await post('/api/auth/password-reset', { identifier: `x${n}`, email: `x${n}@example.org` }, '198.51.100.42')).statusCode);
    figures.resetFlood = { sent: 15, firstRefusedAt: statuses.indexOf(429) + 1 };
    expect(statuses.slice(0, 10).every((status) => status === 202)).toBe(true);
    expect(statuses.slice(10).every((status) => status === 429)).toBe(true);
  });
});

describe('reset and log-in answers do not tell whether an account exists', () => {
  let stack: TestStack;
  // Limits out of the way: this measures the answers, not the limiter.
  const unlimited = { limit: 1_000_000, windowMs: 60_000 };
  beforeAll(async () => {
    stack = await startTestStack({
      rateRules: {
        resetPerClient: { name: 'reset-client', ...unlimited },
        resetPerAccount: { name: 'reset-account', ...unlimited },
        loginPerClient: { name: 'login-client', ...unlimited },
        loginFailuresPerAccount: { name: 'login-account', ...unlimited },
      },
    });
    await createAccount(stack.database.models, { identifier: 'existe', email: 'existe@example.org', firstName: 'E', lastName: 'X', password: STRONG_PASSWORD, role: 'candidate' });
  });
  afterAll(async () => {
    await report('auth-abuse', figures);
    await stack?.close();
  });

  /** Alternates the two kinds of request, `rounds` times each, after a warm-up; returns answers and times. */
  async function compare(url: string, known: () => object, unknown: () => object, rounds: number) {
    const samples = { known: [] as number[], unknown: [] as number[] };
    const bodies = { known: new Set<string>(), unknown: new Set<string>() };
    const statuses = { known: new Set<number>(), unknown: new Set<number>() };
    for (let round = -5; round < rounds; round += 1) {
      for (const kind of round % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const)) {
        const started = process.hrtime.bigint();
        const answer = await stack.app.inject({ method: 'POST', url, payload: kind === 'known' ? known() : unknown() });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (round < 0) continue; // warm-up
        samples[kind].push(ms);
        bodies[kind].add(answer.body);
        statuses[kind].add(answer.statusCode);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const quartiles = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length * 0.75)]! - sorted[Math.floor(sorted.length * 0.25)]!;
    };
    return {
      statuses,
      bodies,
      medianMs: { known: median(samples.known), unknown: median(samples.unknown) },
      spreadMs: Math.max(quartiles(samples.known), quartiles(samples.unknown)),
    };
  }

  it('password reset: same status, same body, times within noise for an existing and an unknown account', async () => {
    let n = 0;
    const result = await compare(
      '/api/auth/password-reset',
      () => ({ identifier: 'existe', email: 'existe@example.org' }),
      () => ({ identifier: `inconnu-${n++}`, email: `inconnu-${n}@example.org` }),
      40,
    );
    figures.resetTiming = { rounds: 40, medianMs: result.medianMs, interQuartileMs: result.spreadMs };
    expect([...result.statuses.known]).toEqual([202]);
    expect([...result.statuses.unknown]).toEqual([202]);
    expect([...result.bodies.known]).toEqual([...result.bodies.unknown]);
    // "Within noise": the medians differ by less than the spread of either kind (and 2 ms of scheduling jitter).
    expect(Math.abs(result.medianMs.known - result.medianMs.unknown)).toBeLessThan(Math.max(result.spreadMs, 2));
  });

  it('log-in: same status and body, times within noise, for a wrong password and an unknown account', async () => {
    let n = 0;
    const result = await compare(
      '/api/auth/login',
      () => ({ login: 'existe', password: `mauvais-${n++}` }),
      () => ({ login: `inconnu-${n++}`, password: 'mauvais' }),
      30,
    );
    figures.loginTiming = { rounds: 30, medianMs: result.medianMs, interQuartileMs: result.spreadMs };
    expect([...result.statuses.known]).toEqual([401]);
    expect([...result.statuses.unknown]).toEqual([401]);
    expect([...result.bodies.known]).toEqual([...result.bodies.unknown]);
    expect(Math.abs(result.medianMs.known - result.medianMs.unknown)).toBeLessThan(Math.max(result.spreadMs, 2));
  });
});
