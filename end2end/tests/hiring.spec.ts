import * as fs from 'fs';
import { expect, test } from '@playwright/test';
import { groqKey, makePdf, noSeriousViolations, register, savePersonalKey, uniqueEmail, uploadPdf, waitForHydration, watchConsole } from './helpers';

// The hiring loop in a browser: a job; five resumes uploaded at once (one the same person as
// another, one broken); three added to the job; one card dragged to Interview and another
// moved with the keyboard alone; a note; all of it on the candidate's timeline; axe-core on
// the Jobs and Job pages; and the board's move without JavaScript.

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
  // Picked up by its top edge (a drag that starts on the card's form controls is theirs).
  await ada.dragTo(column('Interview'), { sourcePosition: { x: 6, y: 4 } });
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
  // The broken PDF's refusal is the one error the browser logs.
  expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);

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
  const offer = plain.getByTestId('board-column').filter({ has: plain.getByRole('heading', { name: /^Offer/ }) });
  await expect(offer.getByTestId('board-card')).toContainText('Cleo Ng');
  // A rejection without a reason comes back with the reason it was refused.
  const cleoAgain = plain.getByTestId('board-card').filter({ hasText: 'Cleo Ng' });
  await cleoAgain.getByLabel('Move Cleo Ng to…').selectOption({ label: 'Rejected' });
  await cleoAgain.getByTestId('move-button').click();
  await expect(plain.getByTestId('form-error')).toContainText('rejection_reason is required');
  await nojs.close();
});

test('filters in the address, a skill chip, bulk actions, CSV export and corrections', async ({ page, browser }) => {
  const errors = watchConsole(page);
  const email = uniqueEmail('finding');
  await register(page, email);
  await savePersonalKey(page, groqKey());
  const people: [string, string[]][] = [
    ['gus.pdf', ['Gus Lind', 'Title: Go developer', 'gus@example.com', 'Skills: Go, Docker', '9 years of experience']],
    ['hana.pdf', ['Hana Mori', 'Title: Go engineer', 'hana@example.com', 'Skills: Go, Rust', '4 years of experience']],
    ['ivo.pdf', ['YOUR NAME HERE', 'Title: Frontend developer', 'ivo@example.com', 'Skills: React, CSS', '2 years of experience']],
  ];
  for (const [file, lines] of people) {
    expect((await uploadPdf(page, file, lines)).status()).toBe(201);
  }
  const origin = new URL(page.url()).origin;
  const job = await page.request.post('/api/v1/jobs', { headers: { Origin: origin }, data: { title: 'Go team', status: 'open' } });
  expect(job.status()).toBe(201);

  // A skill chip filters by its skill; the filter is in the address.
  await page.goto('/candidates');
  await waitForHydration(page);
  await expect(page.getByTestId('candidate-card')).toHaveCount(3);
  await page.getByTestId('candidate-card').filter({ hasText: 'Hana Mori' }).getByRole('link', { name: 'Go', exact: true }).click();
  await expect(page).toHaveURL(/skill=Go/);
  await expect(page.getByTestId('candidate-card')).toHaveCount(2);
  // At least five years: Gus alone; sorted by name the list is in order.
  await page.getByLabel('Years at least').fill('5');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/min_years=5/);
  await expect(page.getByTestId('candidate-card')).toHaveCount(1);
  await expect(page.getByTestId('candidate-card')).toContainText('Gus Lind');
  await page.goto('/candidates?sort=name');
  await waitForHydration(page);
  await expect(page.getByTestId('candidate-link')).toHaveText(['Gus Lind', 'Hana Mori', 'YOUR NAME HERE']);

  // Select two, add them to the job, move them to Screening: plain form posts that come back
  // with a notice.
  const selectTwo = async () => {
    await page.getByRole('checkbox', { name: 'Select Gus Lind' }).check();
    await page.getByRole('checkbox', { name: 'Select Hana Mori' }).check();
  };
  await selectTwo();
  await page.getByTestId('bulk-add').click();
  await expect(page.getByTestId('form-notice')).toHaveText('Done for 2 candidates.');
  await selectTwo();
  await page.getByTestId('bulk-stage').selectOption('Screening');
  await page.getByTestId('bulk-move').click();
  await expect(page.getByTestId('form-notice')).toHaveText('Done for 2 candidates.');
  // The export is the selection as CSV.
  await selectTwo();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bulk-export').click()]);
  const text = fs.readFileSync((await download.path())!, 'utf8');
  expect(text.split('\r\n').filter(Boolean)).toHaveLength(3);
  expect(text).toContain('"Gus Lind"');
  expect(text).toContain('"Hana Mori"');
  // Filtering by job and stage finds them.
  const jobId = (await job.json()).id as string;
  await page.goto(`/candidates?job=${jobId}&stage=Screening`);
  await waitForHydration(page);
  await expect(page.getByTestId('candidate-card')).toHaveCount(2);

  // Correct a template name; a new analysis keeps the correction; the timeline says so.
  await page.goto('/candidates?sort=name');
  await waitForHydration(page);
  await page.getByTestId('candidate-card').filter({ hasText: 'YOUR NAME HERE' }).getByTestId('candidate-link').click();
  await expect(page.getByRole('heading', { name: 'YOUR NAME HERE' })).toBeVisible();
  await waitForHydration(page);
  await page.getByTestId('corrections').locator('summary').click();
  await page.getByLabel('Name', { exact: true }).fill('Ivo Petrov');
  await page.getByTestId('save-corrections').click();
  await expect(page.getByTestId('form-notice')).toContainText('Corrections saved');
  await expect(page.getByRole('heading', { name: 'Ivo Petrov' })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Re-analyse' }).click();
  await expect(page.getByTestId('action-status')).toContainText('Analysis started');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Ivo Petrov' })).toBeVisible();
  await expect(page.getByTestId('timeline').locator('[data-kind=corrected]')).toContainText('Corrected name');

  // Delete one from the list, confirmed once.
  await page.goto('/candidates?sort=name');
  await waitForHydration(page);
  await page.getByRole('checkbox', { name: 'Select Ivo Petrov' }).check();
  await page.getByTestId('bulk-delete').click();
  await expect(page.getByTestId('bulk-confirm')).toContainText('Delete 1 candidate and their resumes?');
  await page.getByTestId('bulk-delete-confirm').click();
  await expect(page.getByTestId('form-notice')).toHaveText('Done for 1 candidate.');
  await expect(page.getByTestId('candidate-card')).toHaveCount(2);
  expect(errors).toEqual([]);

  // Without JavaScript the filters still work: they are a plain GET form.
  const nojs = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await nojs.newPage();
  await plain.goto('/candidates');
  await plain.getByLabel('Skill').fill('Rust');
  await plain.getByRole('button', { name: 'Apply' }).click();
  await expect(plain).toHaveURL(/skill=Rust/);
  await expect(plain.getByTestId('candidate-card')).toHaveCount(1);
  await expect(plain.getByTestId('candidate-card')).toContainText('Hana Mori');
  await nojs.close();
});
