import { expect, type Page } from '@playwright/test';

/** A Groq-format key the mock provider accepts (or reacts to, through `tag`). */
export function groqKey(tag = 'valid'): string {
  const filler = Array.from({ length: 60 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(i * 7 + Date.now()) % 36]).join('');
  return `gsk_${tag}${filler}`.slice(0, 4 + 52);
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Fails the test on any page error or console error (a page that fails to hydrate shows both). */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Waits until the WASM bundle has hydrated the page. */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { __hirekey_hydrated?: boolean }).__hirekey_hydrated === true);
}

export async function register(page: Page, email: string, password = 'correct horse battery', name = 'Robin Recruiter') {
  await page.goto('/register');
  await waitForHydration(page);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

export async function login(page: Page, email: string, password = 'correct horse battery') {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}
