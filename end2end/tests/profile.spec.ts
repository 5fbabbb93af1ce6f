import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import { groqKey, register, uniqueEmail, waitForHydration, watchConsole } from './helpers';

const shots = 'artifacts';

test("the seed's Profile steps 1-5 and 8", async ({ page }) => {
  fs.mkdirSync(shots, { recursive: true });
  const errors = watchConsole(page);
  await register(page, uniqueEmail('profile'));

  // 1. Navigate to Profile.
  await page.getByRole('link', { name: 'My Profile' }).click();
  await expect(page.getByRole('heading', { name: 'My Profile', level: 1 })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByText('No personal API key')).toBeVisible();
  await page.screenshot({ path: `${shots}/profile-1-empty.png`, fullPage: true });

  // 2. View the setup guide, then hide it.
  await page.getByRole('button', { name: '📖 Setup Guide' }).click();
  const guide = page.getByTestId('setup-guide');
  await expect(guide).toBeVisible();
  await expect(guide.locator('ol.steps > li')).toHaveCount(6);
  await expect(guide.locator('ul.benefits > li').first()).toBeVisible();
  await expect(guide.locator('.model-info')).toContainText('llama-3.1-8b-instant');
  await page.screenshot({ path: `${shots}/profile-2-guide.png`, fullPage: true });
  await page.getByRole('button', { name: '📖 Setup Guide' }).click();
  await expect(guide).toBeHidden();

  // 3. An invalid key.
  const keyInput = page.getByLabel('API key', { exact: true });
  await keyInput.fill('invalid_key_123');
  await page.getByRole('button', { name: '🧪 Test' }).click();
  await expect(page.getByTestId('test-result')).toContainText('Invalid key format');

  // 4. A valid key (against the mock provider).
  const key = groqKey();
  await keyInput.fill(key);
  await page.getByRole('button', { name: '🧪 Test' }).click();
  await expect(page.getByTestId('test-result')).toContainText('API key is valid!');
  await expect(page.getByTestId('test-result')).toContainText('Response time');
  await page.screenshot({ path: `${shots}/profile-4-tested.png`, fullPage: true });

  // 5. Save with the toggle on; the settings persist over a reload.
  await page.getByLabel('Use my personal API key').check();
  await page.getByRole('button', { name: '💾 Save Settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByText('Personal key in use')).toBeVisible();
  await expect(page.getByTestId('key-preview')).toHaveText(`gsk_...${key.slice(-4)}`);
  await expect(page.getByLabel('Use my personal API key')).toBeChecked();
  await expect(page.getByTestId('key-source')).toContainText('your Groq key');
  expect(await page.content()).not.toContain(key);
  await page.screenshot({ path: `${shots}/profile-5-saved.png`, fullPage: true });

  // 8. Remove the key, confirming the dialog.
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: '🗑️ Remove Key' }).click();
  await expect(page.getByText('No personal API key')).toBeVisible();
  await expect(page.getByLabel('Use my personal API key')).not.toBeChecked();
  await page.screenshot({ path: `${shots}/profile-8-removed.png`, fullPage: true });
  expect(errors).toEqual([]);
});
