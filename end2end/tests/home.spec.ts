import { expect, test, type Page } from '@playwright/test';
import * as fs from 'fs';
import { groqKey, register, savePersonalKey, uniqueEmail, uploadPdf, waitForHydration, waitForUsage, watchConsole } from './helpers';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Uploads a resume through the REST API, as the signed-in page; returns the answer's body. */
async function upload(page: Page, fileName: string, lines: string[]): Promise<{ id: string; created_at: string }> {
  const res = await uploadPdf(page, fileName, lines);
  expect(res.status()).toBeLessThan(500);
  return (await res.json()) as { id: string; created_at: string };
}

test('the dashboard counts candidates, lists the recent ones, names the key and the week', async ({ page }) => {
  fs.mkdirSync('artifacts', { recursive: true });
  const errors = watchConsole(page);
  await register(page, uniqueEmail('dash'));
  await waitForHydration(page);
  // A new account: nothing yet, and no key.
  await expect(page.getByTestId('count-total')).toHaveText('0');
  await expect(page.getByTestId('dashboard-recent')).toContainText('No candidates yet');
  const keyLine = page.getByTestId('dashboard-key');
  await expect(keyLine).toContainText('API key required');
  await expect(keyLine.getByRole('link', { name: 'Add your API key' })).toHaveAttribute('href', '/profile');

  // Without a key the analysis fails; with one, two succeed.
  await upload(page, 'no-key.pdf', ['Sam Smith', 'Skills: Rust']);
  await savePersonalKey(page, groqKey());
  await upload(page, 'grace.pdf', ['Grace Hopper', 'Title: Compiler Engineer', 'Email: grace@example.com', 'Skills: COBOL, Rust']);
  const newest = await upload(page, 'alan.pdf', ['Alan Turing', 'Title: Research Scientist', 'Email: alan@example.com', 'Skills: Mathematics, Python']);
  await waitForUsage(page, 2); // usage rows are written in the background

  await page.goto('/');
  await waitForHydration(page);
  await expect(page.getByTestId('count-total')).toHaveText('3');
  await expect(page.getByTestId('count-analysed')).toHaveText('2');
  await expect(page.getByTestId('count-pending')).toHaveText('0');
  await expect(page.getByTestId('count-failed')).toHaveText('1');
  await expect(page.getByTestId('retry-failed')).toHaveAttribute('href', '/candidates');

  const recent = page.getByTestId('recent-candidate');
  await expect(recent).toHaveCount(3);
  await expect(recent.first()).toContainText('Alan Turing');
  await expect(recent.first()).toContainText('Research Scientist');
  await expect(recent.first().locator('.chip', { hasText: 'Python' })).toBeVisible();
  await expect(recent.first().getByRole('link', { name: 'Alan Turing' })).toHaveAttribute('href', `/candidates/${newest.id}`);
  await expect(recent.nth(1)).toContainText('Grace Hopper');

  // Relative times: the exact time in `datetime`, words in the text once hydrated.
  const when = recent.first().locator('time');
  await expect(when).toHaveAttribute('datetime', RFC3339);
  await expect(when).toHaveAttribute('datetime', newest.created_at);
  await expect(when).toHaveText(/just now|minute/);
  expect(await when.getAttribute('title')).toBeTruthy();

  await expect(keyLine).toContainText('personal');
  await expect(keyLine).toContainText('Groq');
  const usage = page.getByTestId('dashboard-usage');
  await expect(usage.locator('svg rect.bar-calls')).toHaveCount(7);
  await expect(page.getByTestId('dashboard-calls')).not.toHaveText('0');
  await page.screenshot({ path: 'artifacts/dashboard.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('My Profile: the status and Key activity follow a save without a reload', async ({ page }) => {
  const errors = watchConsole(page);
  await register(page, uniqueEmail('activity'));
  await page.goto('/profile');
  await waitForHydration(page);
  const audit = page.getByTestId('audit');
  await expect(audit).toContainText('No activity yet.');

  await page.getByLabel('API key', { exact: true }).fill(groqKey());
  await page.getByLabel('Use my personal API key').check();
  await page.getByRole('button', { name: '💾 Save Settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  // No reload: the list and the status have followed the save.
  await expect(audit.locator('tbody tr', { hasText: 'created' })).toHaveCount(1);
  const when = audit.locator('tbody tr', { hasText: 'created' }).locator('time');
  await expect(when).toHaveAttribute('datetime', RFC3339);
  await expect(when).toHaveText(/just now|minute/);
  await expect(page.getByText('Personal key in use')).toBeVisible();
  const lastTest = page.getByTestId('key-last-test').locator('time');
  await expect(lastTest).toHaveAttribute('datetime', RFC3339);
  await expect(lastTest).toHaveText(/just now|minute/);

  // A test of the stored key's provider is recorded, and the list follows it too.
  await page.getByLabel('API key', { exact: true }).fill(groqKey());
  await page.getByRole('button', { name: '🧪 Test' }).click();
  await expect(page.getByTestId('test-result')).toContainText('API key is valid!');
  await expect(audit.locator('tbody tr', { hasText: 'tested' })).toHaveCount(1);

  // The toggle (a save without a new key) is recorded too.
  await page.getByLabel('API key', { exact: true }).fill('');
  await page.getByLabel('Use my personal API key').uncheck();
  await page.getByRole('button', { name: '💾 Save Settings' }).click();
  await expect(audit.locator('tbody tr', { hasText: 'disabled' })).toHaveCount(1);
  await expect(page.getByTestId('key-source')).not.toContainText('your Groq key');
  expect(errors).toEqual([]);
});
