import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { groqKey, register, uniqueEmail, waitForHydration } from './helpers';

// The Team page and the header's switcher: an owner creates a workspace, stores the team key
// (never shown again) and invites a colleague by link; the colleague registers through it,
// switches to the workspace in the header and sees that their calls use the team key, without
// its controls; demoted to viewer, they no longer see Upload or AI Chat. Then the same page
// without JavaScript: its forms are plain posts.

async function noSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.html).join('; ')}`);
  expect(serious).toEqual([]);
}

test('an owner shares a team key and a colleague works on it', async ({ browser }) => {
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await register(owner, uniqueEmail('team-owner'), 'correct horse battery', 'Olga Owner');
  await owner.goto('/team');
  await waitForHydration(owner);
  await expect(owner.getByTestId('team-workspaces')).toContainText('(personal)');

  await owner.getByLabel('New workspace').fill('Acme Hiring');
  await owner.getByRole('button', { name: 'Create workspace' }).click();
  await expect(owner.getByTestId('team-notice')).toContainText('Workspace created');
  await expect(owner.getByTestId('team-current')).toContainText('Acme Hiring');
  await expect(owner.getByTestId('workspace-switcher')).toBeVisible();

  // The team key: saved after its test, then shown only as a preview.
  const key = groqKey('valid');
  await owner.getByLabel(/^API key/).fill(key);
  await owner.getByRole('button', { name: /Save team key/ }).click();
  await expect(owner.getByTestId('team-notice')).toContainText('Team key saved');
  await expect(owner.getByTestId('team-key-preview')).toContainText('gsk_');
  expect(await owner.content()).not.toContain(key);
  await owner.getByRole('button', { name: /Test the stored key/ }).click();
  await expect(owner.getByTestId('team-notice')).toContainText('Key test: API key is valid');
  await noSeriousViolations(owner);

  // An invite link, shown once.
  const memberEmail = uniqueEmail('team-member');
  await owner.getByLabel('Email').fill(memberEmail);
  await owner.getByRole('button', { name: 'Create invite link' }).click();
  const link = await owner.getByTestId('team-invite-url').inputValue();
  expect(link).toContain('/register?invite=');

  // The colleague registers through it and switches in the header.
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  const url = new URL(link);
  await member.goto(url.pathname + url.search);
  await member.getByLabel('Name').fill('Max Member');
  await member.getByLabel('Email').fill(memberEmail);
  await member.getByLabel('Password').fill('correct horse battery');
  await member.getByRole('button', { name: 'Create account' }).click();
  await expect(member.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await waitForHydration(member);
  const switcher = member.getByTestId('workspace-switcher');
  await switcher.getByLabel('Workspace').selectOption({ label: 'Acme Hiring' });
  await switcher.getByRole('button', { name: 'Switch' }).click();
  await expect(member.getByTestId('team-current')).toContainText('Acme Hiring');
  await expect(member.getByTestId('team-key-yours')).toContainText('the team key');
  await expect(member.getByTestId('team-key-preview')).toContainText('gsk_');
  // A recruiter has no key controls, invites or usage.
  await expect(member.getByRole('button', { name: /Save team key/ })).toHaveCount(0);
  await expect(member.getByTestId('team-invites')).toHaveCount(0);
  expect(await member.content()).not.toContain(key);

  // The owner sets a limit and makes the colleague a viewer.
  await owner.goto('/team');
  await waitForHydration(owner);
  await owner.getByLabel('Team calls per minute').fill('30');
  await owner.getByRole('button', { name: 'Save limits' }).click();
  await expect(owner.getByTestId('team-limits')).toContainText('of 30 calls');
  await owner.getByLabel('Role of Max Member').selectOption('viewer');
  await owner.getByRole('button', { name: 'Change role' }).nth(1).click();
  await expect(owner.getByTestId('team-notice')).toContainText('Role changed');
  await expect(owner.getByTestId('team-members')).toContainText('viewer');

  // As a viewer, Upload and AI Chat leave the navigation (the server refuses them anyway).
  await member.goto('/candidates');
  await waitForHydration(member);
  const nav = member.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Candidates' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Upload Resume' })).toBeHidden();
  await expect(nav.getByRole('link', { name: 'AI Chat' })).toBeHidden();
  // Opened by their address, Upload and AI Chat offer nothing to use.
  await member.goto('/upload');
  await waitForHydration(member);
  await expect(member.getByTestId('dropzone')).toBeHidden();
  await member.goto('/chat');
  await waitForHydration(member);
  await expect(member.locator('form.composer')).toBeHidden();

  // Removed, the key is gone for everyone.
  await owner.getByRole('button', { name: 'Remove team key' }).click();
  await expect(owner.getByTestId('team-key-status')).toContainText('No team key');
  await ownerContext.close();
  await memberContext.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the Team page creates a workspace and switches with plain posts', async ({ page }) => {
    await page.goto('/register');
    await page.getByLabel('Name').fill('Nina Nojs');
    await page.getByLabel('Email').fill(uniqueEmail('team-nojs'));
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.goto('/team');
    await expect(page.getByTestId('team-workspaces')).toContainText('(personal)');
    await page.getByLabel('New workspace').fill('Plain Forms Ltd');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await expect(page).toHaveURL(/\/team\?notice=/);
    await expect(page.getByTestId('team-notice')).toContainText('Workspace created');
    await expect(page.getByTestId('team-current')).toContainText('Plain Forms Ltd');
    // A bad key is refused with the reason, and nothing is stored.
    await page.getByLabel(/^API key/).fill(groqKey('invalid'));
    await page.getByRole('button', { name: /Save team key/ }).click();
    await expect(page.getByTestId('team-error')).toContainText('The key was not saved');
    await expect(page.getByTestId('team-key-status')).toContainText('No team key');
    // The owner's budget on the team key.
    await page.getByLabel('Monthly budget, in US dollars').fill('40');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await expect(page.getByTestId('team-notice')).toContainText('Budget saved');
    await expect(page.getByTestId('team-budget-line')).toContainText('$0.00 of $40.00 spent this month');
    // Back to the personal workspace through the header's switcher.
    const switcher = page.getByTestId('workspace-switcher');
    await switcher.getByLabel('Workspace').selectOption({ label: 'Personal (personal)' });
    await switcher.getByRole('button', { name: 'Switch' }).click();
    await expect(page.getByTestId('team-current')).toContainText('Personal');
  });
});
