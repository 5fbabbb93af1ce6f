import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import { groqKey, register, savePersonalKey, uniqueEmail, waitForHydration, waitForUsage } from './helpers';

test('usage chart, expiry banner and provider switch on My Profile', async ({ page }) => {
  fs.mkdirSync('artifacts', { recursive: true });
  await register(page, uniqueEmail('usage'));
  await savePersonalKey(page, groqKey(), { expires_in_days: 1 });
  const origin = new URL(page.url()).origin;
  for (let i = 0; i < 3; i++) {
    const r = await page.request.post('/api/ai/chat', { headers: { Origin: origin }, data: { messages: [{ role: 'user', content: `hello ${i}` }] } });
    expect(r.status()).toBe(200);
  }
  // Usage rows are written in the background; give the writer a moment.
  await waitForUsage(page, 3);
  await page.goto('/profile');
  await waitForHydration(page);
  const usage = page.getByTestId('usage');
  await expect(usage).toContainText('3 calls');
  await expect(usage.locator('svg rect.bar-calls')).toHaveCount(30);
  await expect(usage.getByTestId('headroom')).toContainText('requests left');
  // A key expiring within three days shows a banner across the app.
  await expect(page.getByTestId('key-banner')).toContainText('expires on');
  await page.goto('/');
  await expect(page.getByTestId('key-banner')).toBeVisible();
  await page.goto('/profile');
  await waitForHydration(page);
  await page.screenshot({ path: 'artifacts/profile-usage.png', fullPage: true });

  // Switch the active provider: choose OpenRouter and save without a key of it yet.
  await page.getByLabel('Provider').selectOption('openrouter');
  await page.getByLabel('Use my personal API key').uncheck();
  await page.getByRole('button', { name: '💾 Save Settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await expect(page.getByText('No personal API key')).toBeVisible();
  await expect(page.getByLabel('Provider')).toHaveValue('openrouter');
  await page.screenshot({ path: 'artifacts/profile-openrouter.png', fullPage: true });
});
