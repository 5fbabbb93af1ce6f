import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { groqKey, login, makePdf, register, savePersonalKey, uniqueEmail, waitForHydration, watchConsole } from './helpers';

// The hiring loop in a browser: a job; five resumes uploaded at once (one the same person as
// another, one broken); three added to the job; one card dragged to Interview and another
// moved with the keyboard alone; a note; all of it on the candidate's timeline; axe-core on
// the Jobs and Job pages; and the board's move without JavaScript.

async function noSeriousViolations(page: Page, label: string) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.html).join('; ')}`);
  expect(serious, label).toEqual([]);
}

const resume = (lines: string[]) => Buffer.from(lines.join('\n'), 'utf8');

test('a job, a bulk upload, the board, a note and the timeline', async ({ page, browser }) => {
  const errors = watchConsole(page);
  const email = uniqueEmail('hiring');
  await register(page, email);
  await savePersonalKey(page, groqKey());

  // A job.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
  await waitForHydration(page);
  await page.getByLabel('Title').fill('Backend engineer');
  await page.getByLabel('Location').fill('Lisbon');
  await page.getByRole('button', { name: 'Create job' }).click();
  await expect(page.getByTestId('form-notice')).toContainText('Job "Backend engineer" created');
  const jobUrl = new URL(page.url()).pathname;
  expect(jobUrl).toMatch(/^\/jobs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('board-column')).toHaveCount(6);

  // Five files at once: three people, one of them twice (same email), and a broken PDF.
  await page.goto('/upload');
  await waitForHydration(page);
  await page.locator('input[type=file]').setInputFiles([
    { name: 'ada.txt', mimeType: 'text/plain', buffer: resume(['Ada Park', 'Backend engineer', 'ada.park@example.com', 'Skills: Rust, PostgreSQL']) },
    { name: 'ben.pdf', mimeType: 'application/pdf', buffer: makePdf(['Ben Ortiz', 'Platform engineer', 'ben.ortiz@example.com', 'Skills: Go, Kubernetes']) },
    { name: 'cleo.txt', mimeType: 'text/plain', buffer: resume(['Cleo Ng', 'Data engineer', 'cleo.ng@example.com', 'Skills: Python, Spark']) },
    { name: 'broken.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\nthis is not a PDF at all') },
    { name: 'ada-2026.txt', mimeType: 'text/plain', buffer: resume(['Ada Park', 'Staff backend engineer', 'ADA.PARK@example.com', 'Skills: Rust, Kafka']) },
  ]);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const rows = page.getByTestId('upload-row');
  await expect(rows).toHaveCount(5);
  for (const name of ['ada.txt', 'ben.pdf', 'cleo.txt']) {
    await expect(rows.filter({ hasText: name }).getByTestId('upload-status')).toHaveText('Analysed', { timeout: 30_000 });
  }
  await expect(rows.filter({ hasText: 'broken.pdf' }).getByTestId('upload-status')).toHaveText('Upload failed', { timeout: 30_000 });
  await expect(rows.filter({ hasText: 'broken.pdf' }).getByRole('alert')).not.toBeEmpty();
  const again = rows.filter({ hasText: 'ada-2026.txt' });
  await expect(again.getByTestId('upload-status')).toHaveText('Analysed', { timeout: 30_000 });
  await expect(again.getByTestId('upload-merged')).toBeVisible();

  // Three candidates (not four): add each to the job from their page.
  await page.goto('/candidates');
  await waitForHydration(page);
  await expect(page.getByTestId('candidate-card')).toHaveCount(3);
  const ids: Record<string, string> = {};
  for (const name of ['Ada Park', 'Ben Ortiz', 'Cleo Ng']) {
    await page.goto('/candidates');
    await waitForHydration(page);
    await page.getByTestId('candidate-card').filter({ hasText: name }).getByTestId('candidate-link').click();
    await expect(page.getByRole('heading', { name })).toBeVisible();
    ids[name] = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByTestId('add-to-job').selectOption({ label: 'Backend engineer' });
    await page.getByTestId('add-to-job-button').click();
    await expect(page.getByTestId('form-notice')).toContainText('Added to Backend engineer in Applied');
    await expect(page.getByTestId('candidate-application')).toContainText('Applied');
  }
  // Ada has both resumes, the newer one current.
  await page.goto(`/candidates/${ids['Ada Park']}`);
  await expect(page.getByTestId('resume-version')).toHaveCount(2);

  // The board: drag Ada to Interview.
  await page.goto(jobUrl);
  await waitForHydration(page);
  const column = (name: string) => page.getByTestId('board-column').filter({ has: page.getByRole('heading', { name: new RegExp(`^${name}`) }) });
  await expect(column('Applied').getByTestId('board-card')).toHaveCount(3);
  const ada = column('Applied').getByTestId('board-card').filter({ hasText: 'Ada Park' });
  await ada.dragTo(column('Interview'));
  await expect(page.getByTestId('form-notice')).toContainText('Moved Ada Park to Interview');
  await expect(column('Interview').getByTestId('board-card')).toContainText('Ada Park');
  await expect(column('Applied').getByTestId('board-card')).toHaveCount(2);

  // Ben with the keyboard alone: into the card's form by Tab, pick Screening, submit.
  await column('Applied').getByTestId('board-card').filter({ hasText: 'Ben Ortiz' }).getByTestId('card-name').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Move Ben Ortiz to…')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByLabel('Move Ben Ortiz to…')).toHaveValue(await column('Screening').getAttribute('data-column') ?? '');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('form-notice')).toContainText('Moved Ben Ortiz to Screening');
  await expect(page.getByRole('status').filter({ hasText: 'Moved Ben Ortiz' })).toBeVisible();
  await expect(column('Screening').getByTestId('board-card')).toContainText('Ben Ortiz');
  await noSeriousViolations(page, 'Job page');

  await page.goto('/jobs');
  await waitForHydration(page);
  await expect(page.getByTestId('job-row')).toContainText('Applied 1 · Screening 1 · Interview 1');
  await noSeriousViolations(page, 'Jobs page');

  // A note on Ada, then her timeline.
  await page.goto(`/candidates/${ids['Ada Park']}`);
  await waitForHydration(page);
  await page.getByTestId('note-body').fill('Great **systems** answers. Ask about Kafka.');
  await page.getByTestId('note-save').click();
  await expect(page.getByTestId('form-notice')).toContainText('Note saved');
  await expect(page.getByTestId('note')).toContainText('Great systems answers');
  await expect(page.getByTestId('note').locator('strong')).toHaveText('systems');
  const timeline = page.getByTestId('timeline');
  for (const kind of ['uploaded', 'new_version', 'analysed', 'added_to_job', 'stage_moved', 'note_added']) {
    await expect(timeline.locator(`[data-kind=${kind}]`).first()).toBeVisible();
  }
  await expect(timeline.locator('[data-kind=stage_moved]')).toContainText('Moved from Applied to Interview in Backend engineer');
  await expect(timeline.locator('[data-kind=stage_moved]')).toContainText(email);
  await expect(timeline.locator('[data-kind=new_version]')).toContainText('ada-2026.txt');
  expect(errors).toEqual([]);

  // Without JavaScript the board's move is a plain form.
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const plain = await nojs.newPage();
  await plain.goto('/login');
  await plain.getByLabel('Email').fill(email);
  await plain.getByLabel('Password').fill('correct horse battery');
  await plain.getByRole('button', { name: 'Log in' }).click();
  await plain.goto(jobUrl);
  const cleo = plain.getByTestId('board-card').filter({ hasText: 'Cleo Ng' });
  await cleo.getByLabel('Move Cleo Ng to…').selectOption({ label: 'Offer' });
  await cleo.getByTestId('move-button').click();
  await expect(plain).toHaveURL(/notice=/);
  await expect(plain.getByTestId('board-column').filter({ hasText: 'Offer' }).getByTestId('board-card')).toContainText('Cleo Ng');
  // A rejection without a reason comes back with the reason it was refused.
  const cleoAgain = plain.getByTestId('board-card').filter({ hasText: 'Cleo Ng' });
  await cleoAgain.getByLabel('Move Cleo Ng to…').selectOption({ label: 'Rejected' });
  await cleoAgain.getByTestId('move-button').click();
  await expect(plain.getByTestId('form-error')).toContainText('rejection_reason is required');
  await nojs.close();
});
