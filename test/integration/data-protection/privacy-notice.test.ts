/**
 * Information at sign-up: the notice (the school's text, the retention
 * periods written from the rules themselves) in the API and on the pages,
 * and the version each account was shown.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { loadApiConfig } from '../../../api/config.js';
import { STRONG_PASSWORD } from '../../support/accounts.js';
import { testApiEnv, useTestStack } from '../../support/stack.js';

describe('the information notice at sign-up', () => {
  const stack = useTestStack();

  it('is served with its version, says how long data is kept, and the account records the version it was shown', async () => {
    const notice = (await stack.app.inject({ method: 'GET', url: '/api/privacy-notice' })).json();
    expect(notice.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(notice.dataProtectionContact.email).toContain('@');
    const text = JSON.stringify(notice.sections);
    expect(text).toContain('dossier validé : 36 mois');
    expect(text).toContain('24 mois');
    expect(text).toMatch(/RGPD/);

    const identifier = `notice-${Date.now()}`;
    const person = { identifier, email: `${identifier}@example.org`, password: STRONG_PASSWORD, firstName: 'Nora', lastName: 'Lefort' };
    const outdated = await stack.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { ...person, privacyNoticeVersion: '2020-01-01' } });
    expect(outdated.statusCode).toBe(409);
    expect(outdated.json()).toMatchObject({ code: 'PRIVACY_NOTICE_CHANGED', message: expect.stringMatching(/relisez-la/) });
    expect(await stack.database.models.Account.exists({ identifier })).toBeNull();

    const signedUp = await stack.app.inject({ method: 'POST', url: '/api/auth/signup', payload: { ...person, privacyNoticeVersion: notice.version } });
    expect(signedUp.statusCode).toBe(202);
    expect(signedUp.json().privacyNotice.version).toBe(notice.version);
    const account = await stack.database.models.Account.findOne({ identifier }).lean();
    expect(account?.privacyNotice?.version).toBe(notice.version);
    expect(Math.abs(account!.privacyNotice!.acceptedAt!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('is on the sign-up page (with its version in the form) and on a page of its own, linked from every page', async () => {
    const signup = await stack.app.inject({ method: 'GET', url: '/inscription' });
    expect(signup.body).toMatch(/name="privacyNoticeVersion" value="\d{4}-\d{2}-\d{2}"/);
    expect(signup.body).toContain('Vos données personnelles');
    const page = await stack.app.inject({ method: 'GET', url: '/donnees-personnelles' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Combien de temps nous les gardons');
    expect((await stack.app.inject({ method: 'GET', url: '/selections' })).body).toContain('href="/donnees-personnelles"');
  });

  it("takes the school's own text from PRIVACY_NOTICE_FILE, and refuses to start on a malformed one", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'notice-'));
    const own = join(dir, 'notice.json');
    await writeFile(own, JSON.stringify({ version: 'v7', controller: { name: 'École', email: 'ecole@example.org' }, dataProtectionContact: { name: 'DPO', email: 'dpo@example.org' }, sections: [{ title: 'Finalité', paragraphs: ['Inscrire.'] }] }));
    const deps = { database: stack.database, temporal: stack.temporal, mailer: stack.mailer };
    const app = await buildApp({ ...deps, config: loadApiConfig({ ...testApiEnv, PRIVACY_NOTICE_FILE: own }) });
    expect((await app.inject({ method: 'GET', url: '/api/privacy-notice' })).json()).toMatchObject({ version: 'v7', sections: [{ title: 'Finalité' }, { title: 'Combien de temps nous les gardons' }] });
    await app.close();
    const broken = join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ version: 'v8', controller: { name: 'École', email: 'pas une adresse' }, sections: [] }));
    await expect(buildApp({ ...deps, config: loadApiConfig({ ...testApiEnv, PRIVACY_NOTICE_FILE: broken }) })).rejects.toThrow(/broken\.json: controller\.email: .*dataProtectionContact/);
  });
});
