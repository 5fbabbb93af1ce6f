import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { waitForHydration } from './helpers';

// The Admin page's forms are plain forms the hydrated page reads field by field and dispatches
// (app/src/components/form.rs): an invite with its email and expiry, its revocation, and the key
// policy, each answered in place without a page load. It signs in as the administrator, the
// first account, which a11y.spec.ts (run first) registered and whose session it left behind.
const ADMIN_STATE = 'artifacts/admin-state.json';

test('admin forms: create and revoke an invite, save the key policy, in place', async ({ browser }) => {
  // Read when the test runs, not when the file loads: a11y.spec.ts writes it first.
  test.skip(!fs.existsSync(ADMIN_STATE), 'needs the administrator session a11y.spec.ts leaves');
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const page = await context.newPage();
  const documents: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'document') documents.push(new URL(r.url()).pathname);
  });
  await page.goto('/admin');
  await waitForHydration(page);
  documents.length = 0;

  // An invite for one address, expiring in 30 days: the fields the form names reach the server.
  const invites = page.getByTestId('invites');
  const email = `invitee-${Date.now()}@example.com`;
  await invites.getByLabel('Invitee email (optional)').fill(email);
  await invites.getByLabel('Link expires').selectOption('30');
  await invites.getByRole('button', { name: '✉️ Create invite' }).click();
  await expect(page.getByTestId('new-invite')).toContainText(`Invite for ${email} created`);
  await expect(page.getByTestId('invite-url')).toHaveValue(/\/register\?invite=/);
  const listed = await page.request.get('/api/v1/admin/invites');
  const mine = (await listed.json()).find((i: { email?: string }) => i.email === email);
  expect(mine.status).toBe('pending');
  const days = (Date.parse(mine.expires_at) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(29);
  expect(days).toBeLessThan(31);

  // Revoking it: the hidden id field goes with the form.
  const row = page.getByTestId('invite-list').getByRole('row').filter({ hasText: email });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('revoked');

  // The policy checkbox: on, then off again (the other specs expect the fallback to the
  // system key to stay allowed).
  const policy = page.getByTestId('key-policy');
  const toggle = policy.getByLabel('Require a personal API key for AI features');
  await toggle.check();
  await policy.getByRole('button', { name: '💾 Save policy' }).click();
  await expect(page.getByTestId('policy-state')).toContainText("Every AI call needs the user's own key");
  await page.getByTestId('key-policy').getByLabel('Require a personal API key for AI features').uncheck();
  await page.getByTestId('key-policy').getByRole('button', { name: '💾 Save policy' }).click();
  await expect(page.getByTestId('policy-state')).toContainText('fall back to the system key');

  // All of it in place: no page was loaded after the first.
  expect(documents).toEqual([]);
  await context.close();
});
