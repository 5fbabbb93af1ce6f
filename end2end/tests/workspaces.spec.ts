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
    // The candidate's link on the list (its name needs an AI key; these servers have none).
    const teamCandidate = `a[href="/candidates/${(await up.json()).id}"]`;

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
    await expect(page.locator(teamCandidate)).toHaveCount(0);
    const switcher = page.getByTestId('workspace-switcher');
    await expect(switcher).toBeVisible();
    await page.getByLabel('Workspace').selectOption({ label: 'Acme hiring' });
    await switcher.getByRole('button', { name: 'Switch' }).click();
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/candidates');
    await expect(page.locator(teamCandidate).first()).toBeVisible();
    await expect(page.getByLabel('Workspace')).toHaveValue(team);
    await page.screenshot({ path: `artifacts/workspace-switched-${javaScriptEnabled ? 'js' : 'nojs'}.png`, fullPage: true });

    await page.getByLabel('Workspace').selectOption({ label: 'Personal (personal)' });
    await page.getByTestId('workspace-switcher').getByRole('button', { name: 'Switch' }).click();
    await expect(page).toHaveURL(/\/$/);
    await page.goto('/candidates');
    await expect(page.locator(teamCandidate)).toHaveCount(0);
  });
}

// A viewer's navigation offers no upload and no AI chat; the team's candidates are there to read.
test('a viewer sees no upload or chat controls', async ({ browser }) => {
  const ownerPage = await (await browser.newContext()).newPage();
  await register(ownerPage, uniqueEmail('ws-lead'));
  const origin = new URL(ownerPage.url()).origin;
  const created = await ownerPage.request.post('/api/v1/workspaces', { headers: { Origin: origin }, data: { name: 'Interview panel' } });
  const team = (await created.json()).id as string;
  const viewerEmail = uniqueEmail('ws-viewer');
  const invite = await ownerPage.request.post(`/api/v1/workspaces/${team}/invites`, {
    headers: { Origin: origin },
    data: { email: viewerEmail, role: 'viewer' },
  });
  const token = (await invite.json()).token as string;
  const up = await ownerPage.request.post('/api/v1/resumes/upload', {
    headers: { Origin: origin, 'X-Workspace-Id': team },
    multipart: { file: { name: 'panel.txt', mimeType: 'text/plain', buffer: Buffer.from('Barbara Liskov\nProfessor\nSkills: CLU\n') } },
  });
  expect(up.status()).toBe(201);
  const teamCandidate = `a[href="/candidates/${(await up.json()).id}"]`;

  const page = await (await browser.newContext()).newPage();
  await register(page, viewerEmail);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Upload Resume' })).toBeVisible();
  expect((await page.request.post('/api/v1/workspaces/join', { headers: { Origin: origin }, data: { token } })).status()).toBe(200);
  expect((await page.request.put('/api/v1/workspaces/current', { headers: { Origin: origin }, data: { workspace_id: team } })).status()).toBe(200);
  await page.goto('/candidates');
  await waitForHydration(page);
  await expect(page.locator(teamCandidate).first()).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Candidates' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Upload Resume' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'AI Chat' })).toHaveCount(0);
  // The server refuses the viewer whatever the page shows.
  const refused = await page.request.post('/api/v1/ai/chat', { headers: { Origin: origin }, data: { query_text: 'who knows CLU?' } });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).message).toContain('Viewers');
});
