import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { register, uniqueEmail } from './helpers';

// A page on another site (`localhost` is not `127.0.0.1`) that posts a form to Hirekey as soon
// as it loads, as a hostile page a recruiter opens would.
function hostilePage(action: string, fields: Record<string, string>): Promise<Server> {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
  const html = `<!doctype html><html><body>
    <form id="f" method="post" action="${action}">${inputs}</form>
    <script>document.getElementById('f').submit();</script>
  </body></html>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html);
  });
  return new Promise((resolve) => server.listen(0, 'localhost', () => resolve(server)));
}

async function whoAmI(page: import('@playwright/test').Page): Promise<string | null> {
  const me = await page.request.get('/api/v1/auth/me');
  return me.ok() ? (await me.json()).email : null;
}

test('a cross-site form can neither sign the victim into another account nor sign them out', async ({ page, baseURL, request }) => {
  const victim = uniqueEmail('victim');
  const attacker = uniqueEmail('attacker');
  const created = await request.post('/api/v1/auth/register', {
    data: { email: attacker, password: 'correct horse battery', name: 'Mallory' },
  });
  expect(created.status()).toBe(201);
  await register(page, victim);
  expect(await whoAmI(page)).toBe(victim);

  // The server functions' paths, as the pages' own forms name them.
  await page.goto('/login');
  const loginAction = new URL((await page.locator('form').getAttribute('action'))!, baseURL).href;
  await page.goto('/');
  const logoutAction = new URL((await page.locator('form[action*="/sfn/"]').filter({ hasText: 'Log out' }).getAttribute('action'))!, baseURL).href;

  const attacks: [string, Record<string, string>][] = [
    [loginAction, { email: attacker, password: 'correct horse battery' }],
    [logoutAction, {}],
    [new URL('/api/v1/auth/login', baseURL).href, { email: attacker, password: 'correct horse battery' }],
    [new URL('/api/v1/auth/logout', baseURL).href, {}],
  ];
  for (const [action, fields] of attacks) {
    const server = await hostilePage(action, fields);
    try {
      const { port } = server.address() as AddressInfo;
      const answered = page.waitForResponse((r) => r.url() === action);
      await page.goto(`http://localhost:${port}/`);
      const response = await answered;
      expect(response.status(), action).toBe(403);
      expect(response.headers()['set-cookie'], action).toBeUndefined();
    } finally {
      server.close();
    }
    // Still the victim, still signed in.
    await page.goto(`${baseURL}/`);
    expect(await whoAmI(page), action).toBe(victim);
  }
});
