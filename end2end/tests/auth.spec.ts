import { expect, test } from '@playwright/test';
import { login, register, uniqueEmail, waitForHydration, watchConsole } from './helpers';

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

  await login(page, email);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a wrong password shows an error', async ({ page }) => {
  const email = uniqueEmail('wrong');
  await register(page, email);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Invalid email or password');
});

test('the page hydrates without console errors', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/login');
  await waitForHydration(page);
  expect(errors).toEqual([]);
});
