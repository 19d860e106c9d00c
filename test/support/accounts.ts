import { randomUUID } from 'node:crypto';
import { createAccount } from '../../accounts/accounts.js';
import type { AccountRole } from '../../db/models.js';
import type { TestStack } from './stack.js';

export const STRONG_PASSWORD = 'cheval agrafe pile correcte';

export interface TestSession {
  accountId: string;
  identifier: string;
  email: string;
  firstName: string;
  lastName: string;
  token: string;
  headers: { authorization: string };
}

/** An account created straight in the database, then logged in through the API. */
export async function loggedIn(stack: TestStack, options: { role?: AccountRole; trainingIds?: string[] } = {}): Promise<TestSession> {
  const identifier = `user-${randomUUID().slice(0, 8)}`;
  const person = { identifier, email: `${identifier}@example.org`, firstName: 'Camille', lastName: 'Dupont' };
  const { id } = await createAccount(stack.database.models, {
    ...person,
    password: STRONG_PASSWORD,
    role: options.role ?? 'candidate',
    trainingIds: options.trainingIds ?? [],
  });
  const response = await stack.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: identifier, password: STRONG_PASSWORD, client: 'api' } });
  if (response.statusCode !== 200) throw new Error(`log-in failed: ${response.body}`);
  const { token } = response.json<{ token: string }>();
  return { accountId: id, ...person, token, headers: { authorization: `Bearer ${token}` } };
}
