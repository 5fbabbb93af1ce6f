import fs from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { groqKey, register, savePersonalKey, uniqueEmail, uploadPdf, waitForHydration, watchConsole } from './helpers';

// Every page people open, at a desktop width and at a 390 px phone width: axe-core finds no
// serious or critical violation (WCAG 2.x A and AA rules), nothing overflows sideways, and a
// screenshot of each is kept in artifacts/screens/ (what users see: the emoji and CJK fonts are
// installed by `make setup`).
//
// This file runs first (the suite runs files in name order on one worker), so its account is the
// first on the fresh data directory: the administrator, who sees the Admin page too.
const shots = 'artifacts/screens';

const viewports = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

async function assertAccessible(page: Page, label: string) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''} ${n.html}`).join('; ')}`);
  expect(serious, `${label}: axe-core violations`).toEqual([]);
}

async function assertNoSidewaysScroll(page: Page, label: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  // Which elements stick out, for the message.
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().width)} px)`),
  );
  expect(overflow, `${label}: the page is wider than the screen: ${wide.join(', ')}`).toBeLessThanOrEqual(1);
}

test('every page passes axe-core at desktop and phone widths', async ({ page }) => {
  fs.mkdirSync(shots, { recursive: true });
  const errors = watchConsole(page);

  // Signed out: the login and registration pages.
  for (const vp of viewports) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    for (const path of ['/login', '/register']) {
      // Plain server-rendered forms: complete once loaded (they fetch no WASM).
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      const label = `${path} (${vp.name})`;
      await assertAccessible(page, label);
      await assertNoSidewaysScroll(page, label);
      await page.screenshot({ path: `${shots}/${path.slice(1)}-${vp.name}.png`, fullPage: true });
    }
  }

  // Signed in, with a key, a candidate and a conversation, so every page has real content.
  await page.setViewportSize({ width: 1280, height: 800 });
  await register(page, uniqueEmail('a11y'));
  // The administrator's session, for wasm-budget.spec.ts (which runs later) to measure /admin.
  await page.context().storageState({ path: 'artifacts/admin-state.json' });
  await savePersonalKey(page, groqKey('valid'));
  const origin = new URL(page.url()).origin;
  const upload = await uploadPdf(page, 'ada.pdf', ['Ada Lovelace', 'Analytical Engine programmer', 'Skills: Python, Rust, PostgreSQL']);
  expect(upload.status()).toBe(201);
  const candidate = await upload.json();
  const chat = await page.request.post('/api/v1/ai/chat', {
    headers: { Origin: origin },
    data: { query_text: 'Who knows Rust?' },
  });
  expect(chat.status()).toBe(200);
  const conversation = (await chat.json()).conversation_id as string | undefined;
  // A second workspace (not switched to): the header shows its switcher on every page.
  const shared = await page.request.post('/api/v1/workspaces', { headers: { Origin: origin }, data: { name: 'Acme Hiring' } });
  expect(shared.status()).toBe(201);

  const signedIn: { path: string; name: string; prepare?: (page: Page) => Promise<void> }[] = [
    { path: '/', name: 'dashboard' },
    {
      path: '/profile',
      name: 'profile-guide',
      prepare: async (p) => {
        // The guide opens from the keyboard.
        const toggle = p.getByRole('button', { name: /Setup Guide/ });
        await toggle.focus();
        await p.keyboard.press('Enter');
        await expect(p.getByTestId('setup-guide')).toBeVisible();
        await expect(toggle).toHaveAttribute('aria-expanded', 'true');
      },
    },
    { path: '/upload', name: 'upload' },
    { path: '/candidates', name: 'candidates' },
    { path: `/candidates/${candidate.id}`, name: 'candidate-detail' },
    { path: conversation ? `/chat/${conversation}` : '/chat', name: 'chat' },
    { path: '/admin', name: 'admin' },
    { path: '/team', name: 'team' },
  ];
  for (const vp of viewports) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    for (const entry of signedIn) {
      await page.goto(entry.path);
      await waitForHydration(page);
      await expect(page.getByRole('main')).toBeVisible();
      if (entry.prepare) await entry.prepare(page);
      const label = `${entry.path} (${vp.name})`;
      await assertAccessible(page, label);
      await assertNoSidewaysScroll(page, label);
      await page.screenshot({ path: `${shots}/${entry.name}-${vp.name}.png`, fullPage: true });
    }
  }
  expect(errors).toEqual([]);
});
