/**
 * The site in a real browser: the whole stack of the integration tests (real
 * Temporal, FerretDB, SMTP server, a worker), the app listening on a real
 * port, and Debian's Chromium driven by Playwright, with JavaScript on or off.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../../../dev/ports.js';
import type { CaughtEmail } from '../../../dev/mail-catcher.js';
import { startTestStack, type TestStack } from '../../support/stack.js';

/** Debian's Chromium (Playwright's own download cannot work here); `CHROMIUM` points elsewhere. */
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = new URL('../../../docs/screenshots/', import.meta.url);

export interface Site {
  stack: TestStack;
  origin: string;
  browser: Browser;
  /** A fresh browser profile (no cookie), JavaScript on or off. */
  context(javaScript: boolean): Promise<BrowserContext>;
  /** The last e-mail to `to` matching `subject`, as the SMTP server caught it. */
  email(to: string, subject: RegExp): Promise<CaughtEmail>;
}

/** The site for a test file: started before its tests, closed after. */
export function useSite(options: { apiEnv?: Record<string, string> } = {}): Site {
  const site = {} as Site;
  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    // The e-mails' links and the Origin check name the address the browser uses.
    const stack = await startTestStack({ apiEnv: { PUBLIC_BASE_URL: origin, WORKFLOW_UPDATE_TIMEOUT_MS: '3000', ...options.apiEnv }, rateRules: { signupPerClient: { name: 'signup-browser', limit: 1000, windowMs: 3_600_000 } } });
    await stack.app.listen({ port, host: '127.0.0.1' });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      // The browser's own words (the file input's button…) in French, as a French candidate sees them.
      env: { ...process.env, LANGUAGE: 'fr' },
      // As root in a container, without a GPU, on a machine whose only network is loopback.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    Object.assign(site, {
      stack,
      origin,
      browser,
      context: (javaScript: boolean) => browser.newContext({ baseURL: origin, javaScriptEnabled: javaScript, locale: 'fr-FR', viewport: { width: 1280, height: 900 } }),
      email: (to: string, subject: RegExp) => stack.catcher.waitFor((email) => email.to.includes(to) && subject.test(email.subject), 20_000),
    });
  }, 180_000);
  afterAll(async () => {
    await site.browser?.close();
    await site.stack?.close();
  });
  return site;
}

/** The first link of an e-mail that points at the site. */
export function linkIn(email: CaughtEmail, origin: string): string {
  const link = email.text.match(new RegExp(`${origin.replace(/[.:/]/g, '\\$&')}[^\\s)>]+`))?.[0];
  if (!link) throw new Error(`no link to ${origin} in « ${email.subject} »`);
  return link;
}

/** axe-core on the page as it is: WCAG 2.1 A and AA rules, no violation allowed (it needs JavaScript on). */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const violations = results.violations.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`);
  expect(violations, `axe on ${page.url()}`).toEqual([]);
}

/**
 * Checks each page a test loads with axe (JavaScript on only), once per kind
 * of page (its path without ids). A check cut short by the next navigation
 * does not count: that page is checked the next time it loads.
 */
export function checkEveryPage(page: Page, javaScript: boolean, seen: Set<string>): { check: () => Promise<void>; failures: string[] } {
  const failures: string[] = [];
  const check = async () => {
    if (!javaScript) return;
    const key = new URL(page.url()).pathname.replace(/dossier%3A[^/]+/, ':dossier').replace(/[0-9a-f]{24}/, ':id').replace(/\/[0-9a-f-]{36}/, '/:entry');
    if (seen.has(key)) return;
    try {
      await expectAccessible(page);
      seen.add(key);
    } catch (error) {
      if (/Execution context was destroyed|navigat|Target (page, context or browser )?(has been )?closed/i.test(String(error))) return;
      failures.push(String(error));
    }
  };
  page.on('load', () => void check());
  return { check, failures };
}

/** Saves a screenshot of the page for the README (docs/screenshots/<name>.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}
