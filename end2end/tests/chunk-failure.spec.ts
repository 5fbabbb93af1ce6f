import { expect, test } from '@playwright/test';
import { register, uniqueEmail, waitForHydration, watchConsole } from './helpers';

// A page's WASM arrives with its route. When that fetch fails (a dropped connection, or a new
// build that replaced the hashed files an open tab still names), the page the user clicked is
// loaded the ordinary way from the server, where it works with or without its WASM, instead of
// leaving the old page with dead scripts (frontend/src/recover.rs).
test('a page whose WASM fails to load is loaded from the server instead', async ({ page }) => {
  await register(page, uniqueEmail('chunk'));
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();

  let refused = 0;
  await page.route(/\/pkg\/split___chat_view[^/]*\.wasm$/, async (route) => {
    if (refused === 0) {
      refused += 1;
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  const errors = watchConsole(page);
  const documents: string[] = [];
  page.on('request', (request) => {
    if (request.resourceType() === 'document') documents.push(new URL(request.url()).pathname);
  });

  await page.getByRole('link', { name: 'AI Chat' }).click();
  await expect(page).toHaveURL(/\/chat$/);
  await expect(page.getByRole('heading', { name: 'AI Chat' })).toBeVisible();
  // The chunk was refused once, the page then came from the server, and its WASM loaded then.
  expect(refused).toBe(1);
  expect(errors.join('\n')).toContain('load callback should succeed');
  expect(documents).toContain('/chat');
  await waitForHydration(page);
  await expect(page.getByRole('textbox').first()).toBeEditable();
});
