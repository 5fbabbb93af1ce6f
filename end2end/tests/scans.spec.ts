import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { groqKey, noSeriousViolations, register, savePersonalKey, uniqueEmail, waitForHydration, watchConsole } from './helpers';

// Made by scripts/fixtures/scan.py from the producers' fixtures (server/tests/data/scanned/).
const SCANNED = path.join(__dirname, '..', '..', 'server', 'tests', 'data', 'scanned');

test('a phone photo of a resume is read, then analysed; a poor scan is flagged', async ({ page }) => {
  test.setTimeout(120_000);
  fs.mkdirSync('artifacts', { recursive: true });
  const errors = watchConsole(page);
  await register(page, uniqueEmail('scan'));
  await savePersonalKey(page, groqKey());

  await page.goto('/upload');
  await waitForHydration(page);
  await page.locator('input[type=file]').setInputFiles({
    name: 'IMG_2041.jpg',
    mimeType: 'image/jpeg',
    buffer: fs.readFileSync(path.join(SCANNED, 'phone-p-ghostscript-ps.jpg')),
  });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const row = page.getByTestId('upload-row');
  // Stored at once; the answer does not wait for OCR.
  await expect(row.getByTestId('upload-status')).toHaveText('Stored · reading scanned resume…', { timeout: 20_000 });
  await row.getByTestId('candidate-link').click();
  // The candidate page reads the scan's progress, then the analysis.
  await expect(page.getByTestId('analysis-status')).toHaveText('Analysed', { timeout: 60_000 });
  await expect(page.getByTestId('ocr-done')).toContainText('Read from a scan by OCR');
  await expect(page.getByTestId('ocr-progress')).toHaveCount(0);
  await expect(page.locator('.resume-text')).toContainText('Baltic Freight Systems');
  await expect(page.locator('.facts')).toContainText('tomasz.w@example.com');
  await expect(page.getByTestId('reading-warnings')).toHaveCount(0);
  // The sections rendered by the server were loaded again once the analysis ended.
  await expect(page.getByTestId('processing-log')).toContainText('Resume analysis');
  await page.screenshot({ path: 'artifacts/scan-photo.png', fullPage: true });

  await page.goto('/upload');
  await waitForHydration(page);
  await page.locator('input[type=file]').setInputFiles({
    name: 'fax.jpg',
    mimeType: 'image/jpeg',
    buffer: fs.readFileSync(path.join(SCANNED, 'poor-p-libreoffice-writer.jpg')),
  });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByTestId('upload-row').getByTestId('candidate-link').click();
  const warning = page.getByTestId('reading-warnings').locator('li[data-code=low_ocr_confidence]');
  await expect(warning).toBeVisible({ timeout: 60_000 });
  await expect(warning).toContainText('low confidence');
  await noSeriousViolations(page, 'candidate page with a low-confidence scan');
  await page.screenshot({ path: 'artifacts/scan-poor.png', fullPage: true });
  expect(errors).toEqual([]);
});
