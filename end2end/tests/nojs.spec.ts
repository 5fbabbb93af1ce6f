import { expect, test } from '@playwright/test';
import { groqKey, makePdf, uniqueEmail } from './helpers';

// A locked-down browser, a failed WASM download, a screen-reader profile: with JavaScript off,
// every page arrives with its data in the HTML and the primary actions are plain form posts.
test.use({ javaScriptEnabled: false });

test('without JavaScript: register, save and toggle a key, upload a resume, find it, log out', async ({ page }) => {
  // Register through the form.
  await page.goto('/register');
  await page.getByLabel('Name').fill('Nora Noscript');
  await page.getByLabel('Email').fill(uniqueEmail('nojs'));
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();

  // My Profile is rendered with its data, not "Loading…".
  await page.goto('/profile');
  const status = page.getByTestId('key-status');
  await expect(status).toContainText('No personal API key');
  await expect(page.getByText('Loading your AI settings…')).toHaveCount(0);

  // Save a personal key with its toggle on and its provider.
  const key = groqKey('valid');
  await page.locator('select[name="provider"]').selectOption('groq');
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByLabel('Use my personal API key').check();
  await page.getByRole('button', { name: /Save Settings/ }).click();
  await expect(page).toHaveURL(/\/profile/);
  await expect(status).toContainText('Personal key in use');
  await expect(page.getByTestId('key-source')).toContainText('your Groq key');

  // Toggle it off, then on again: each a plain post of the same form.
  await page.getByLabel('Use my personal API key').uncheck();
  await page.getByRole('button', { name: /Save Settings/ }).click();
  await expect(page.getByTestId('key-source')).not.toContainText('your Groq key');
  await expect(page.getByLabel('Use my personal API key')).not.toBeChecked();
  await page.getByLabel('Use my personal API key').check();
  await page.getByRole('button', { name: /Save Settings/ }).click();
  await expect(page.getByTestId('key-source')).toContainText('your Groq key');

  // Upload a resume through the Upload page's form: the server answers with the candidate.
  await page.goto('/upload');
  await page.locator('input[type="file"][name="file"]').setInputFiles({
    name: 'grace.pdf',
    mimeType: 'application/pdf',
    buffer: makePdf(['Grace Hopper', 'Compiler pioneer', 'Skills: COBOL, Python, Rust']),
  });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(/\/candidates\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('main')).toContainText('Grace Hopper');

  // A refused file comes back to the Upload page with the reason.
  await page.goto('/upload');
  await page.locator('input[type="file"][name="file"]').setInputFiles({
    name: 'notes.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('not a resume'),
  });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(/\/upload\?error=/);
  await expect(page.getByRole('alert')).toContainText('Upload the resume as a PDF');

  // Find it with the search form.
  await page.goto('/candidates');
  await page.getByLabel('Search candidates').fill('Hopper');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/q=Hopper/);
  await expect(page.getByTestId('candidate-card')).toHaveCount(1);
  await expect(page.getByTestId('candidate-card')).toContainText('Grace Hopper');

  // Log out.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login/);
});
