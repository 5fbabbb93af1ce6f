import { expect, test } from '@playwright/test';
import { login, register, uniqueEmail, watchConsole } from './helpers';

test('register, log out, log back in, and see the navigation', async ({ page }) => {
  const errors = watchConsole(page);
  const email = uniqueEmail('auth');
  await register(page, email);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const label of ['Dashboard', 'Upload Resume', 'Candidates', 'AI Chat', 'My Profile']) {
    await expect(nav.getByRole('link', { name: label })).toBeVisible();
  }
  await expect(page.getByTestId('user-name')).toHaveText('Robin Recruiter');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  // Rendered by the hydrated router once the login page's chunk is in.
  await expect(page.getByRole('heading', { name: 'Log in to Hirekey' })).toBeVisible();
  await page.waitForLoadState('networkidle');

  await login(page, email);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a wrong password shows an error', async ({ page }) => {
  const email = uniqueEmail('wrong');
  await register(page, email);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Invalid email or password');
});

test('the login and registration pages are plain forms: no WASM, no script errors', async ({ page }) => {
  const errors = watchConsole(page);
  const fetched: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.wasm') || path.endsWith('.js')) fetched.push(path);
  });
  for (const path of ['/login', '/register']) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    await expect(page.locator('form button[type="submit"]')).toBeEnabled();
  }
  expect(fetched).toEqual([]);
  expect(errors).toEqual([]);
});

test('a wrong password on the login page reached from a hydrated page shows the error in place', async ({ page }) => {
  const email = uniqueEmail('wrong-hydrated');
  await register(page, email);
  // Logging out navigates on the client: this login page is rendered by the hydrated router.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Invalid email or password');
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
});
