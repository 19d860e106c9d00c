import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../accounts/secrets.js';
import type { CaughtEmail } from '../../dev/mail-catcher.js';
import { loggedIn, STRONG_PASSWORD } from '../support/accounts.js';
import { eventually, PUBLIC_BASE_URL, startTestStack, type TestStack, useTestStack } from '../support/stack.js';

/** The token of the first link in an e-mail, as the front-end page would read it from its URL. */
function tokenIn(email: CaughtEmail, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`).exec(email.text);
  if (!match) throw new Error(`no ${path} link in: ${email.text}`);
  return match[1]!;
}

let counter = 0;
function newPerson() {
  counter += 1;
  const identifier = `marie.curie.${Date.now().toString(36)}${counter}`;
  return { identifier, email: `${identifier}@example.org`, password: 'fenêtre bleue sur la colline', firstName: 'Marie', lastName: 'Curie' };
}

describe('accounts: sign-up, log-in, forgotten password', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // Every request here comes from one address; the per-client limits are tested below.
    stack = await startTestStack({ rateRules: { signupPerClient: { name: 'signup-client', limit: 1000, windowMs: 3_600_000 } } });
  });
  afterAll(() => stack?.close());

  const post = (url: string, payload?: object, headers: Record<string, string> = {}) =>
    stack.app.inject({ method: 'POST', url, ...(payload ? { payload } : {}), headers });
  const get = (url: string, headers: Record<string, string> = {}) => stack.app.inject({ method: 'GET', url, headers });
  const logIn = (login: string, password: string) => post('/api/auth/login', { login, password, client: 'api' });
  const signUp = async (person: ReturnType<typeof newPerson>) => {
    const response = await post('/api/auth/signup', person);
    expect(response.statusCode, response.body).toBe(202);
  };

  it('signs up, lets the candidate log in at once, and verifies the e-mail with a link that works once', async () => {
    const person = newPerson();
    const signUp = await post('/api/auth/signup', { ...person, identifier: person.identifier.toUpperCase() });
    expect(signUp.statusCode).toBe(202);
    expect(signUp.json().message).toContain('Un e-mail vous a été envoyé');

    // Identifiers are case-insensitive: the upper-case sign-up logs in in lower case.
    const login = await logIn(person.identifier, person.password);
    expect(login.statusCode).toBe(200);
    const { token, account } = login.json();
    expect(account).toMatchObject({ identifier: person.identifier, email: person.email, emailVerified: false, role: 'candidate' });

    const stored = await stack.database.models.Account.findOne({ identifier: person.identifier }).lean();
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(JSON.stringify(stored)).not.toContain(person.password);

    const email = await stack.catcher.waitFor((e) => e.to.includes(person.email) && e.subject === 'Confirmez votre adresse e-mail');
    expect(email.text).toContain('Bonjour Marie,');
    const verification = tokenIn(email, '/verification-email');
    expect(await stack.database.models.AccountToken.exists({ _id: verification })).toBeNull(); // stored hashed only
    expect(await stack.database.models.AccountToken.exists({ _id: hashToken(verification) })).not.toBeNull();

    const confirmed = await post('/api/auth/email-verification/confirm', { token: verification });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json().account.emailVerified).toBe(true);
    const again = await post('/api/auth/email-verification/confirm', { token: verification });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ code: 'INVALID_TOKEN', message: expect.stringContaining("n'est plus valide") });

    const me = await get('/api/me', { authorization: `Bearer ${token}` });
    expect(me.json().emailVerified).toBe(true);
  });

  it('logs in with the e-mail too, sets a safe session cookie kept out of the body, and logs out for good', async () => {
    const person = newPerson();
    await signUp(person);
    const login = await post('/api/auth/login', { login: person.email.toUpperCase(), password: person.password });
    expect(login.statusCode).toBe(200);
    expect(login.json().token).toBeUndefined();
    const cookie = login.cookies.find((c) => c.name === 'candidature_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The test base URL is http://, so the cookie is not marked Secure; under https it is (COOKIE_SECURE).
    expect(cookie?.secure).toBeFalsy();

    const viaCookie = await stack.app.inject({ method: 'GET', url: '/api/me', cookies: { candidature_session: cookie!.value } });
    expect(viaCookie.statusCode).toBe(200);

    const logout = await stack.app.inject({ method: 'POST', url: '/api/auth/logout', cookies: { candidature_session: cookie!.value } });
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies.find((c) => c.name === 'candidature_session')?.value).toBe('');
    const after = await stack.app.inject({ method: 'GET', url: '/api/me', cookies: { candidature_session: cookie!.value } });
    expect(after.statusCode).toBe(401);
    expect(await stack.database.models.Session.exists({ _id: hashToken(cookie!.value) })).toBeNull();
  });

  it('refuses a wrong password and an unknown account with the same answer', async () => {
    const person = newPerson();
    await signUp(person);
    const wrong = await logIn(person.identifier, 'pas le bon mot de passe');
    const unknown = await logIn('nobody-here', 'pas le bon mot de passe');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json()).toEqual({ statusCode: 401, code: 'INVALID_CREDENTIALS', message: 'Identifiant ou mot de passe incorrect.' });
  });

  it('explains a refused password in French and names the field', async () => {
    const short = await post('/api/auth/signup', { ...newPerson(), password: 'court' });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ code: 'WEAK_PASSWORD', details: [{ field: 'body.password' }] });
    expect(short.json().message).toContain('au moins 12 caractères');

    const common = await post('/api/auth/signup', { ...newPerson(), password: 'azertyuiop123' });
    expect(common.statusCode).toBe(400);
    expect(common.json().message).toContain('trop facile à deviner');
  });

  it('says a taken identifier, but not a taken e-mail: its owner is told by e-mail instead', async () => {
    const person = newPerson();
    await signUp(person);
    const sameIdentifier = await post('/api/auth/signup', { ...newPerson(), identifier: person.identifier });
    expect(sameIdentifier.statusCode).toBe(409);
    expect(sameIdentifier.json().code).toBe('IDENTIFIER_TAKEN');

    const fresh = newPerson();
    const sameEmail = await post('/api/auth/signup', { ...fresh, email: person.email });
    const brandNew = await post('/api/auth/signup', newPerson());
    expect(sameEmail.statusCode).toBe(202);
    expect(sameEmail.json()).toEqual(brandNew.json());
    const notice = await stack.catcher.waitFor((e) => e.to.includes(person.email) && e.subject === 'Tentative de création de compte avec votre adresse');
    expect(notice.text).toContain('Aucun nouveau compte');
    expect(notice.text).toContain(`Votre identifiant est « ${person.identifier} »`);
    expect(await stack.database.models.Account.exists({ identifier: fresh.identifier })).toBeNull();
  });

  it('resets a forgotten password end to end: same answer for anyone, link by e-mail, once, every session ended', async () => {
    const person = newPerson();
    await signUp(person);
    const sessionA = (await logIn(person.identifier, person.password)).json().token as string;
    const sessionB = (await logIn(person.email, person.password)).json().token as string;

    const known = await post('/api/auth/password-reset', { identifier: person.identifier, email: person.email });
    const unknown = await post('/api/auth/password-reset', { identifier: 'no-such-person', email: 'nobody@example.org' });
    const mismatch = await post('/api/auth/password-reset', { identifier: person.identifier, email: 'someone-else@example.org' });
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    expect(known.body).toBe(mismatch.body);

    const email = await stack.catcher.waitFor((e) => e.to.includes(person.email) && e.subject === 'Réinitialisation de votre mot de passe');
    expect(email.text).toContain(`l'identifiant « ${person.identifier} »`);
    const token = tokenIn(email, '/reinitialisation-mot-de-passe');

    const weak = await post('/api/auth/password-reset/confirm', { token, newPassword: 'motdepasse' });
    expect(weak.statusCode).toBe(400); // and the link still works:
    const reset = await post('/api/auth/password-reset/confirm', { token, newPassword: 'un tout nouveau mot de passe' });
    expect(reset.statusCode).toBe(200);
    expect(reset.json().message).toContain('Retournez à la page de connexion');

    expect((await post('/api/auth/password-reset/confirm', { token, newPassword: 'encore un autre mot de passe' })).statusCode).toBe(400);
    for (const session of [sessionA, sessionB]) {
      expect((await get('/api/me', { authorization: `Bearer ${session}` })).statusCode).toBe(401);
    }
    expect((await logIn(person.identifier, person.password)).statusCode).toBe(401);
    expect((await logIn(person.identifier, 'un tout nouveau mot de passe')).statusCode).toBe(200);
    await stack.catcher.waitFor((e) => e.to.includes(person.email) && e.subject === 'Votre mot de passe a été réinitialisé');

    // Nothing was sent for the requests that matched no account.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.catcher.messages.filter((e) => e.to.includes('nobody@example.org') || e.to.includes('someone-else@example.org'))).toEqual([]);
  });

  it('refuses an expired reset link', async () => {
    const person = newPerson();
    await signUp(person);
    await post('/api/auth/password-reset', { identifier: person.identifier, email: person.email });
    const email = await stack.catcher.waitFor((e) => e.to.includes(person.email) && e.subject === 'Réinitialisation de votre mot de passe');
    const token = tokenIn(email, '/reinitialisation-mot-de-passe');
    await stack.database.models.AccountToken.updateOne({ _id: hashToken(token) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const response = await post('/api/auth/password-reset/confirm', { token, newPassword: 'un tout nouveau mot de passe' });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('INVALID_TOKEN');
  });

  it('changes the password with the current one, ending the other sessions only', async () => {
    const user = await loggedIn(stack);
    const other = (await logIn(user.identifier, STRONG_PASSWORD)).json().token as string;
    const wrong = await post('/api/me/password', { currentPassword: 'pas le bon', newPassword: 'une phrase secrète renouvelée' }, user.headers);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('CURRENT_PASSWORD_INVALID');

    const changed = await post('/api/me/password', { currentPassword: STRONG_PASSWORD, newPassword: 'une phrase secrète renouvelée' }, user.headers);
    expect(changed.statusCode).toBe(200);
    expect((await get('/api/me', user.headers)).statusCode).toBe(200);
    expect((await get('/api/me', { authorization: `Bearer ${other}` })).statusCode).toBe(401);
    await stack.catcher.waitFor((e) => e.to.includes(user.email) && e.subject === 'Votre mot de passe a été modifié');
  });

  it('changes the e-mail only once the new address is verified, and tells the old one', async () => {
    const user = await loggedIn(stack);
    const newEmail = `new-${user.email}`;
    expect((await post('/api/me/email', { currentPassword: STRONG_PASSWORD, newEmail }, user.headers)).statusCode).toBe(202);
    expect((await get('/api/me', user.headers)).json().email).toBe(user.email);

    const email = await stack.catcher.waitFor((e) => e.to.includes(newEmail));
    expect((await post('/api/auth/email-verification/confirm', { token: tokenIn(email, '/verification-email') })).statusCode).toBe(200);
    expect((await get('/api/me', user.headers)).json()).toMatchObject({ email: newEmail, emailVerified: true });
    const notice = await stack.catcher.waitFor((e) => e.to.includes(user.email) && e.subject === 'Votre adresse e-mail a été modifiée');
    expect(notice.text).toContain(newEmail);
  });

  it('kills links already sent when the password or the e-mail changes', async () => {
    const person = newPerson();
    await signUp(person);
    const token = (await logIn(person.identifier, person.password)).json().token as string;
    const auth = { authorization: `Bearer ${token}` };

    // A change of address is pending, then the password is reset: the pending link must die.
    expect((await post('/api/me/email', { currentPassword: person.password, newEmail: `attacker-${person.email}` }, auth)).statusCode).toBe(202);
    const changeLink = tokenIn(await stack.catcher.waitFor((e) => e.to.includes(`attacker-${person.email}`)), '/verification-email');
    await post('/api/auth/password-reset', { identifier: person.identifier, email: person.email });
    const resetMail = await stack.catcher.waitFor((e) => e.to.includes(person.email) && e.subject === 'Réinitialisation de votre mot de passe');
    expect((await post('/api/auth/password-reset/confirm', { token: tokenIn(resetMail, '/reinitialisation-mot-de-passe'), newPassword: 'la nouvelle phrase du matin' })).statusCode).toBe(200);
    expect((await post('/api/auth/email-verification/confirm', { token: changeLink })).statusCode).toBe(400);

    // A reset link is pending, then the password is changed: the reset link must die.
    const session = (await logIn(person.identifier, 'la nouvelle phrase du matin')).json().token as string;
    await post('/api/auth/password-reset', { identifier: person.identifier, email: person.email });
    const pending = await eventually(async () => {
      const mails = stack.catcher.messages.filter((e) => e.to.includes(person.email) && e.subject === 'Réinitialisation de votre mot de passe');
      return mails.length === 2 ? mails[1] : undefined;
    });
    const changed = await post('/api/me/password', { currentPassword: 'la nouvelle phrase du matin', newPassword: 'encore une autre phrase longue' }, { authorization: `Bearer ${session}` });
    expect(changed.statusCode).toBe(200);
    expect((await post('/api/auth/password-reset/confirm', { token: tokenIn(pending, '/reinitialisation-mot-de-passe'), newPassword: 'phrase du pirate malin' })).statusCode).toBe(400);
  });

  it('refuses a session opened under an older password even if it escaped the purge', async () => {
    const user = await loggedIn(stack);
    await stack.database.models.Account.updateOne({ _id: user.accountId }, { $inc: { credentialsVersion: 1 } });
    expect((await get('/api/me', user.headers)).statusCode).toBe(401);
  });

  it('refuses state-changing requests sent by a browser from another site', async () => {
    const person = newPerson();
    await signUp(person);
    const crossSite = await stack.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: 'https://evil.example' },
      payload: { login: person.identifier, password: person.password },
    });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json()).toMatchObject({ code: 'CROSS_ORIGIN_REFUSED' });
    const sameSite = await stack.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: new URL(PUBLIC_BASE_URL).origin },
      payload: { login: person.identifier, password: person.password },
    });
    expect(sameSite.statusCode).toBe(200);
  });

  it('keeps candidates out of staff routes (403) and anonymous users out of both (401)', async () => {
    const candidate = await loggedIn(stack);
    const forbidden = await get('/api/staff/selections', candidate.headers);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect((await get('/api/staff/selections')).statusCode).toBe(401);
    const office = await loggedIn(stack, { role: 'office', trainingIds: [] });
    expect((await get('/api/staff/selections', office.headers)).statusCode).toBe(200);
  });

  it('answers bad input on every account route with a 400 naming the field, never a 500', async () => {
    const user = await loggedIn(stack);
    const cases: [string, object, Record<string, string>, string][] = [
      ['/api/auth/signup', { identifier: 'a b', email: 'x', password: 'p', firstName: '', lastName: 'L' }, {}, 'body.identifier'],
      ['/api/auth/login', { login: 'x' }, {}, 'body.password'],
      ['/api/auth/email-verification/confirm', { token: '../../etc' }, {}, 'body.token'],
      ['/api/auth/password-reset', { identifier: 'x', email: 'not-an-email' }, {}, 'body.email'],
      ['/api/auth/password-reset/confirm', { token: 'short' }, {}, 'body.token'],
      ['/api/me/password', { currentPassword: STRONG_PASSWORD }, user.headers, 'body.newPassword'],
      ['/api/me/email', { currentPassword: STRONG_PASSWORD, newEmail: 42 }, user.headers, 'body.newEmail'],
    ];
    for (const [url, payload, headers, field] of cases) {
      const response = await post(url, payload, headers);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().details.map((d: { field: string }) => d.field), url).toContain(field);
    }
    const notAnObject = await stack.app.inject({ method: 'POST', url: '/api/auth/signup', headers: { 'content-type': 'application/json' }, payload: '[1,2]' });
    expect(notAnObject.statusCode).toBe(400);
  });
});

describe('accounts: abuse limits', () => {
  const stack = useTestStack({
      rateRules: { resetPerAccount: { name: 'reset-account', limit: 2, windowMs: 3_600_000 } },
    });

  it('answers 429 with Retry-After after five failed log-ins, the same for existing and unknown accounts', async () => {
    const user = await loggedIn(stack);
    const attempt = (login: string, password = 'wrong password!') =>
      stack.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login, password, client: 'api' } });
    // Identifier and e-mail name one account: their failures add up.
    for (const login of [user.identifier, user.email, user.identifier, user.email, user.identifier]) expect((await attempt(login)).statusCode).toBe(401);
    for (let i = 0; i < 5; i += 1) expect((await attempt('ghost-account')).statusCode).toBe(401);

    const locked = await attempt(user.email, STRONG_PASSWORD);
    const ghost = await attempt('ghost-account', 'x');
    expect(locked.statusCode).toBe(429);
    expect(ghost.statusCode).toBe(429);
    expect(locked.json()).toEqual(ghost.json());
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.json().message).toMatch(/^Trop de tentatives\. Réessayez dans \d+ minutes?\.$/);
  });

  it('does not let parallel guesses slip past the limit', async () => {
    const user = await loggedIn(stack);
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        stack.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: user.identifier, password: 'wrong password!', client: 'api' } }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
  });

  it('counts wrong current passwords against the same limit', async () => {
    const user = await loggedIn(stack);
    for (let i = 0; i < 5; i += 1) {
      const wrong = await stack.app.inject({ method: 'POST', url: '/api/me/password', headers: user.headers, payload: { currentPassword: 'guess', newPassword: 'nouvelle phrase très longue' } });
      expect(wrong.statusCode).toBe(400);
    }
    const blocked = await stack.app.inject({ method: 'POST', url: '/api/me/password', headers: user.headers, payload: { currentPassword: STRONG_PASSWORD, newPassword: 'nouvelle phrase très longue' } });
    expect(blocked.statusCode).toBe(429);
  });

  it('limits reset requests per identifier and e-mail without saying whether they exist', async () => {
    const answers: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      answers.push((await stack.app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { identifier: 'someone', email: 'someone@example.org' } })).statusCode);
    }
    expect(answers).toEqual([202, 202, 429]);
  });
});
