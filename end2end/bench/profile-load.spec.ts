import { expect, test } from '@playwright/test';
import * as fs from 'fs';
import { groqKey, register, uniqueEmail, waitForHydration } from '../tests/helpers';

// DESIGN.md: "Profile page usable in under 1 s on loopback". Usable means server-rendered,
// WASM loaded and hydrated, and the key form accepting input. Each load is a fresh navigation
// with a warm HTTP cache disabled, so the bundle is fetched every time, as on a first visit.
const LOADS = 15;
const BUDGET_MS = 1000;

test('Profile page load time', async ({ page }) => {
  await register(page, uniqueEmail('bench'));
  // A saved key, so the page shows its fullest state (preview, usage, toggles).
  await page.goto('/profile');
  await waitForHydration(page);
  await page.getByLabel('API key', { exact: true }).fill(groqKey());
  await page.getByLabel('Use my personal API key').check();
  await page.getByRole('button', { name: '💾 Save Settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });

  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto('about:blank');
    await page.goto('/profile');
    await waitForHydration(page);
    const input = page.getByLabel('API key', { exact: true });
    await expect(input).toBeEditable();
    await expect(page.getByRole('button', { name: '🧪 Test' })).toBeEnabled();
    // Milliseconds from the start of the navigation to now, by the page's own clock.
    times.push(await page.evaluate(() => performance.now()));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const slowest = times[times.length - 1];
  const wasm = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.name.endsWith('.wasm'))
      .map((e) => Math.round((e as PerformanceResourceTiming).duration))[0],
  );
  const verdict = slowest < BUDGET_MS ? 'PASS' : '**MISSED**';
  const row =
    `| Profile page usable (Chromium, loopback, no cache) | < ${BUDGET_MS} ms | ` +
    `slowest ${slowest.toFixed(0)} ms of ${LOADS}, median ${median.toFixed(0)} ms ` +
    `(WASM fetch ${wasm ?? '?'} ms) | ${verdict} |`;
  fs.mkdirSync('../target/bench', { recursive: true });
  fs.writeFileSync(
    '../target/bench/profile.md',
    `## Profile page load\n\n| measure | budget | result | verdict |\n|---|---|---|---|\n${row}\n`,
  );
  console.log(row);
});
