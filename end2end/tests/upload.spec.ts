import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import { groqKey, makePdf, register, savePersonalKey, uniqueEmail, waitForHydration, watchConsole } from './helpers';

test('upload a PDF, see progress and the analysis, find the candidate in the list', async ({ page }) => {
  fs.mkdirSync('artifacts', { recursive: true });
  const errors = watchConsole(page);
  await register(page, uniqueEmail('upload'));
  await savePersonalKey(page, groqKey());

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload Resume' }).click();
  await expect(page.getByRole('heading', { name: 'Upload Resume' })).toBeVisible();
  await waitForHydration(page);
  const pdf = makePdf([
    'Jane Doe',
    'Title: Senior Python Engineer',
    'Email: jane.doe@example.com',
    'Phone: +1 555 010 7788',
    'Location: Berlin',
    'Skills: Python, Django, PostgreSQL',
    '9 years of experience building data platforms.',
    'M.Sc. Computer Science, TU Berlin',
  ]);
  await page.locator('input[type=file]').setInputFiles({ name: 'jane-doe.pdf', mimeType: 'application/pdf', buffer: pdf });
  // Choosing files starts nothing: the Upload button does.
  await expect(page.getByTestId('upload-row')).toHaveCount(0);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const row = page.getByTestId('upload-row');
  await expect(row.locator('progress')).toBeVisible();
  await expect(row.getByTestId('upload-status')).toHaveText('Analysed', { timeout: 20_000 });
  await expect(row.getByTestId('candidate-link')).toHaveText('Jane Doe');
  await expect(row.locator('.chip', { hasText: 'Python' })).toBeVisible();
  await expect(row.locator('.chip', { hasText: 'Django' })).toBeVisible();
  await page.screenshot({ path: 'artifacts/upload-done.png', fullPage: true });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Candidates' }).click();
  const card = page.getByTestId('candidate-card').filter({ hasText: 'Jane Doe' });
  await expect(card).toBeVisible();
  await page.getByLabel('Search candidates').fill('django');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(card).toBeVisible();
  await card.getByTestId('candidate-link').click();
  await expect(page.getByRole('heading', { name: 'Jane Doe' })).toBeVisible();
  await expect(page.getByTestId('analysis-status')).toHaveText('Analysed');
  await expect(page.locator('.facts')).toContainText('jane.doe@example.com');
  expect(errors).toEqual([]);
});

test('a failed analysis keeps the candidate and names the reason', async ({ page }) => {
  await register(page, uniqueEmail('nokey'));
  await page.goto('/upload');
  await waitForHydration(page);
  await page.locator('input[type=file]').setInputFiles({ name: 'cv.pdf', mimeType: 'application/pdf', buffer: makePdf(['Sam Smith', 'Skills: Rust']) });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const row = page.getByTestId('upload-row');
  await expect(row.getByTestId('upload-status')).toHaveText('Stored · analysis failed', { timeout: 20_000 });
  await expect(row.getByText(/API key required/)).toBeVisible();
  // A failure looks like one: a red badge and border, no full progress bar.
  await expect(row).toHaveClass(/failed/);
  await expect(row.getByTestId('upload-status')).toHaveClass(/badge error/);
  await expect(row.locator('progress')).toHaveCount(0);
  await expect(row.getByTestId('upload-status')).toHaveCSS('color', 'rgb(180, 35, 24)');
  await page.goto('/candidates');
  await expect(page.getByTestId('candidate-card')).toHaveCount(1);
});
