import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import { register, uniqueEmail, uploadPdf, waitForHydration } from './helpers';

// A member of a team workspace switches to it in the header and sees the team's candidates;
// back in the personal workspace they are gone. With and without JavaScript.
for (const javaScriptEnabled of [true, false]) {
  test(`the header switches workspace (${javaScriptEnabled ? 'with' : 'without'} JavaScript)`, async ({ browser }) => {
    fs.mkdirSync('artifacts', { recursive: true });
    const ownerPage = await (await browser.newContext()).newPage();
    await register(ownerPage, uniqueEmail('ws-owner'));
    const origin = new URL(ownerPage.url()).origin;
    const created = await ownerPage.request.post('/api/v1/workspaces', { headers: { Origin: origin }, data: { name: 'Acme hiring' } });
    expect(created.status()).toBe(201);
    const team = (await created.json()).id as string;

    const memberEmail = uniqueEmail('ws-member');
    const invite = await ownerPage.request.post(`/api/v1/workspaces/${team}/invites`, {
      headers: { Origin: origin },
      data: { email: memberEmail, role: 'recruiter' },
    });
    expect(invite.status()).toBe(201);
    const token = (await invite.json()).token as string;
    // The owner uploads into the team workspace.
    await ownerPage.request.put('/api/v1/workspaces/current', { headers: { Origin: origin }, data: { workspace_id: team } });
    const up = await uploadPdf(ownerPage, 'team.pdf', ['Margaret Hamilton', 'Software Engineer', 'Skills: Apollo guidance']);
    expect(up.status()).toBe(201);

    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    if (javaScriptEnabled) {
      await register(page, memberEmail);
    } else {
      await page.goto('/register');
      await page.getByLabel('Name').fill('Robin Recruiter');
      await page.getByLabel('Email').fill(memberEmail);
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    }
    const joined = await page.request.post('/api/v1/workspaces/join', { headers: { Origin: origin }, data: { token } });
    expect(joined.status()).toBe(200);

    await page.goto('/candidates');
    if (javaScriptEnabled) await waitForHydration(page);
    await expect(page.getByText('Margaret Hamilton')).toHaveCount(0);
    const switcher = page.getByTestId('workspace-switcher');
    await expect(switcher).toBeVisible();
    await page.getByLabel('Workspace').selectOption({ label: 'Acme hiring' });
    await switcher.getByRole('button', { name: 'Switch' }).click();
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/candidates');
    await expect(page.getByText('Margaret Hamilton')).toBeVisible();
    await expect(page.getByLabel('Workspace')).toHaveValue(team);
    await page.screenshot({ path: `artifacts/workspace-switched-${javaScriptEnabled ? 'js' : 'nojs'}.png`, fullPage: true });

    await page.getByLabel('Workspace').selectOption({ label: 'Personal (personal)' });
    await page.getByTestId('workspace-switcher').getByRole('button', { name: 'Switch' }).click();
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/candidates');
    await expect(page.getByText('Margaret Hamilton')).toHaveCount(0);
  });
}
