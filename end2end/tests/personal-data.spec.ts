import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { groqKey, noSeriousViolations, register, savePersonalKey, uniqueEmail, uploadPdf, waitForHydration, watchConsole } from './helpers';

// Personal data in a browser: the candidate page's processing log and export, a "keep until"
// date, retention on the Team page with the dashboard's list of erasures due, and erasure behind
// a typed confirmation; axe-core on the section.

/** The names in a zip's central directory. */
function zipEntryNames(zip: Buffer): string[] {
  const names: string[] = [];
  for (let i = 0; i + 46 <= zip.length; i++) {
    if (zip.readUInt32LE(i) !== 0x02014b50) continue;
    const nameLength = zip.readUInt16LE(i + 28);
    names.push(zip.subarray(i + 46, i + 46 + nameLength).toString('utf8'));
    i += 45 + nameLength;
  }
  return names;
}

test('processing log, export, keep until, retention and erasure', async ({ page }) => {
  const errors = watchConsole(page);
  await register(page, uniqueEmail('privacy'));
  await savePersonalKey(page, groqKey());
  const up = await uploadPdf(page, 'Nadia Quorn.pdf', ['Nadia Quorn', 'nadia.quorn@example.com', 'Payroll specialist', 'SAP and Excel']);
  expect(up.status()).toBe(201);
  const id = (await up.json()).id as string;

  await page.goto(`/candidates/${id}`);
  await waitForHydration(page);
  const section = page.getByTestId('personal-data');
  await expect(section.getByTestId('processing-log')).toContainText('Resume analysis');
  await expect(section.getByTestId('processing-log')).toContainText('personal');
  await noSeriousViolations(page, 'candidate page with its personal data section');

  // The export is a zip with candidate.json and the original file.
  const download = page.waitForEvent('download');
  await section.getByTestId('export-link').click();
  const file = await (await download).path();
  const names = zipEntryNames(readFileSync(file));
  expect(names).toContain('candidate.json');
  expect(names.some((n) => n.startsWith('files/'))).toBe(true);

  // Retention on the Team page; the dashboard lists nobody yet (the candidate is fresh).
  await page.goto('/team');
  await waitForHydration(page);
  await page.getByLabel(/Erase candidates after this many days/).fill('30');
  await page.getByTestId('team-retention').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('team-retention')).toContainText('no activity for 30 days');

  // Keep until a date, with a reason.
  await page.goto(`/candidates/${id}#personal-data`);
  await waitForHydration(page);
  await expect(section.getByTestId('erase-after')).toBeVisible();
  const until = new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.getByLabel('Keep until').fill(until);
  await page.getByLabel('Reason').fill('consent given');
  await section.getByRole('button', { name: 'Keep' }).click();
  await expect(page.getByTestId('form-notice')).toContainText(`Kept until ${until}`);
  await expect(page.getByTestId('keep-until')).toContainText('consent given');

  // Erasure wants the word typed: a wrong word erases nothing.
  await section.getByText('Erase this candidate…').click();
  await page.getByLabel('Type ERASE to confirm').fill('erase');
  await page.getByLabel('Type ERASE to confirm').evaluate((el) => el.removeAttribute('pattern'));
  await section.getByTestId('erase').click();
  await expect(page.getByTestId('form-error')).toContainText('Type ERASE to confirm');
  expect((await page.request.get(`/api/v1/candidates/${id}`)).status()).toBe(200);

  await page.getByTestId('personal-data').getByText('Erase this candidate…').click();
  await page.getByLabel('Type ERASE to confirm').fill('ERASE');
  await page.getByTestId('personal-data').getByTestId('erase').click();
  await expect(page).toHaveURL(/\/candidates\?notice=/);
  await expect(page.getByTestId('form-notice')).toContainText('The candidate was erased');
  expect((await page.request.get(`/api/v1/candidates/${id}`)).status()).toBe(404);
  const audit = await (await page.request.get('/api/v1/profile/audit')).json();
  expect(audit.map((e: { event: string }) => e.event)).toContain('candidate_erased');
  expect(errors).toEqual([]);
});
