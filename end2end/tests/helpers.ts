import AxeBuilder from '@axe-core/playwright';
import { expect, type APIResponse, type Page } from '@playwright/test';

/** A Groq-format key the mock provider accepts (or reacts to, through `tag`). */
export function groqKey(tag = 'valid'): string {
  const filler = Array.from({ length: 60 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(i * 7 + Date.now()) % 36]).join('');
  return `gsk_${tag}${filler}`.slice(0, 4 + 52);
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Fails the test on any page error or console error (a page that fails to hydrate shows both). */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Waits until the WASM bundle has hydrated the page. */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { __hirekey_hydrated?: boolean }).__hirekey_hydrated === true);
}

// The login and registration pages are plain server-rendered forms (they load no WASM), so they
// are ready as soon as they have loaded.
export async function register(page: Page, email: string, password = 'correct horse battery', name = 'Robin Recruiter') {
  await page.goto('/register');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  // The form posted natively and the server redirected to the dashboard, a fresh page load.
  await waitForHydration(page);
}

export async function login(page: Page, email: string, password = 'correct horse battery') {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await waitForHydration(page);
}

/** A minimal one-page PDF with a real text layer, one line per entry. */
export function makePdf(lines: string[]): Buffer {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\(/g, '\\(').replace(/\)/g, '\\)');
  const content = ['BT', '/F1 12 Tf', '72 720 Td', '14 TL', ...lines.map((l) => `(${esc(l)}) Tj T*`), 'ET'].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Saves and enables a personal Groq key through the REST API, as the signed-in page. */
export async function savePersonalKey(page: Page, key: string, extra: Record<string, unknown> = {}) {
  const origin = new URL(page.url()).origin;
  const res = await page.request.put('/api/v1/profile/ai-settings', {
    headers: { Origin: origin },
    data: { personal_groq_api_key: key, use_personal_ai_key: true, ...extra },
  });
  expect(res.status()).toBe(200);
}

/** Uploads a PDF made of `lines` through the API, as the signed-in user of `page`. */
export async function uploadPdf(page: Page, fileName: string, lines: string[]): Promise<APIResponse> {
  const origin = new URL(page.url()).origin;
  return page.request.post('/api/v1/resumes/upload', {
    headers: { Origin: origin },
    multipart: { file: { name: fileName, mimeType: 'application/pdf', buffer: makePdf(lines) } },
  });
}

/** Waits until the signed-in user's usage counts `calls` calls: usage rows are written in
 * batches, twice a second. */
export async function waitForUsage(page: Page, calls: number): Promise<void> {
  await expect
    .poll(async () => {
      const r = await page.request.get('/api/v1/profile/usage');
      return r.ok() ? ((await r.json()).total_calls as number) : -1;
    }, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(calls);
}

/** axe-core on the page as it is now: no serious or critical WCAG 2.1 AA violation. */
export async function noSeriousViolations(page: Page, label: string) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.html).join('; ')}`);
  expect(serious, label).toEqual([]);
}
