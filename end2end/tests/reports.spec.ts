import { expect, test } from '@playwright/test';
import { groqKey, register, savePersonalKey, uniqueEmail, waitForHydration, waitForUsage } from './helpers';

// My Profile's current status, usage and activity are HTML that the server renders and the page
// inserts (app/src/components/server_html.rs). A model name is the user's own text and reaches
// the usage tables: it must arrive as text, both in the server-rendered page and when the page
// loads the reports itself after client-side navigation, and the times in them still read
// "just now" in the reader's clock.
test('server-rendered reports show markup in a model name as text', async ({ page }) => {
  const model = '<img src=x onerror="window.__hirekeyXss=1">';
  await register(page, uniqueEmail('reports'));
  await savePersonalKey(page, groqKey(), { model });
  const origin = new URL(page.url()).origin;
  const r = await page.request.post('/api/ai/chat', {
    headers: { Origin: origin },
    data: { messages: [{ role: 'user', content: 'hello' }] },
  });
  expect(r.status()).toBe(200);
  // Usage rows are written in the background; give the writer a moment.
  await waitForUsage(page, 1);

  for (const how of ['direct load', 'client-side navigation']) {
    if (how === 'direct load') {
      await page.goto('/profile');
      await waitForHydration(page);
    } else {
      await page.goto('/');
      await waitForHydration(page);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My Profile' }).click();
      await expect(page).toHaveURL(/\/profile$/);
    }
    const usage = page.getByTestId('usage');
    await expect(usage.getByRole('cell', { name: model, exact: true }), how).toBeVisible();
    await expect(page.locator('main img'), how).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { __hirekeyXss?: number }).__hirekeyXss), how).toBeUndefined();
    await expect(page.getByTestId('key-status'), how).toContainText('Personal key in use');
    const when = page.getByTestId('audit').locator('tbody tr', { hasText: 'created' }).locator('time');
    await expect(when, how).toHaveText(/just now|minute/);
    expect(await when.getAttribute('title'), how).toBeTruthy();
  }
});
