import { expect, test } from '@playwright/test';
import { register, uniqueEmail, uploadPdf, waitForHydration, watchConsole } from './helpers';

// The candidate page's Re-analyse and Delete are plain forms whose submit the hydrated page
// dispatches as server actions: no reload, and Delete asks first.
test('re-analyse in place, and delete only after the confirmation', async ({ page }) => {
  const errors = watchConsole(page);
  await register(page, uniqueEmail('cand-actions'));
  const upload = await uploadPdf(page, 'edsger.pdf', ['Edsger Dijkstra', 'Skills: ALGOL, Rust']);
  expect(upload.status()).toBe(201);
  const id = (await upload.json()).id as string;

  await page.goto(`/candidates/${id}`);
  await waitForHydration(page);
  // A marker on the window survives client-side updates, not a page load.
  await page.evaluate(() => ((window as unknown as { __noReload?: boolean }).__noReload = true));

  const reanalysed = page.waitForResponse((r) => r.url().includes('reanalyze_candidate') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Re-analyse' }).click();
  expect((await reanalysed).status()).toBe(200);
  await expect(page.getByTestId('analysis-status')).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

  // Dismissed: nothing is deleted.
  page.once('dialog', (dialog) => dialog.dismiss());
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(new RegExp(`/candidates/${id}$`));
  expect((await page.request.get(`/api/v1/candidates/${id}`)).status()).toBe(200);

  // Accepted: the candidate is gone and the list is shown, still without a reload.
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/candidates$/);
  expect((await page.request.get(`/api/v1/candidates/${id}`)).status()).toBe(404);
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  expect(errors).toEqual([]);
});
