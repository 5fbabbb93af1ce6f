import { expect, test } from '@playwright/test';
import { groqKey, noSeriousViolations, register, savePersonalKey, uniqueEmail, uploadPdf, waitForHydration, watchConsole } from './helpers';

// AI screening in a browser: criteria drafted by the model and edited, a blind run with its
// progress bar, applicants sorted by score, and a candidate's verdicts whose quotes, clicked,
// are highlighted in the resume text; axe-core on both pages.

test('draft and edit criteria, a blind screening, scores and quotes', async ({ page }) => {
  const errors = watchConsole(page);
  await register(page, uniqueEmail('screening'));
  await savePersonalKey(page, groqKey());
  const origin = new URL(page.url()).origin;
  const headers = { Origin: origin };

  const job = await page.request.post('/api/v1/jobs', {
    headers,
    data: { title: 'Platform engineer', description: 'You must know Rust well. Kubernetes experience is a plus.', status: 'open' },
  });
  expect(job.status()).toBe(201);
  const jobId = (await job.json()).id as string;
  const people: Record<string, string[]> = {
    'Ada Park': ['Ada Park', 'ada.park@example.com', 'Built Rust services for five years', 'Ran Kubernetes clusters'],
    'Ben Ortiz': ['Ben Ortiz', 'ben.ortiz@example.com', 'Wrote Go services', 'Ran Kubernetes clusters'],
    'Cleo Ng': ['Cleo Ng', 'cleo.ng@example.com', 'Data engineer', 'Python and Spark'],
  };
  for (const lines of Object.values(people)) {
    const up = await uploadPdf(page, `${lines[0]}.pdf`, lines);
    expect(up.status()).toBe(201);
    const candidate = (await up.json()).id as string;
    const applied = await page.request.post(`/api/v1/jobs/${jobId}/applications`, { headers, data: { candidate_id: candidate } });
    expect(applied.status()).toBe(201);
  }

  // The model drafts from the description; the person edits and saves.
  await page.goto(`/jobs/${jobId}`);
  await waitForHydration(page);
  const section = page.getByTestId('screening');
  await section.getByTestId('criteria-draft-button').click();
  await expect(page.getByTestId('form-notice')).toContainText('The model proposed these criteria');
  await expect(page.getByTestId('criteria-draft')).toBeVisible();
  const texts = page.getByTestId('criterion-text');
  await expect(texts.nth(0)).toHaveValue('You must know Rust well');
  await expect(texts.nth(1)).toHaveValue('Kubernetes experience is a plus');
  await expect(page.getByTestId('criterion-kind').nth(0)).toHaveValue('must');
  await texts.nth(0).fill('Rust');
  await texts.nth(1).fill('Kubernetes');
  await page.getByTestId('criterion-kind').nth(1).selectOption('nice');
  await page.getByTestId('criteria-save').click();
  await expect(page.getByTestId('form-notice')).toContainText('2 criteria saved');
  await expect(page.getByTestId('criterion-text').nth(0)).toHaveValue('Rust');
  await expect(page.getByTestId('criteria-draft')).toHaveCount(0);

  // A blind run: its bar follows it to the end, then the scores rank.
  await page.getByTestId('screening-blind').check();
  await page.getByTestId('screening-start').click();
  await expect(page.getByTestId('form-notice')).toContainText('Screening 3 applicants');
  await expect(page.getByTestId('screening-progress')).toBeVisible();
  await expect(page.getByTestId('screening-summary')).toHaveText('Finished: 3 of 3 screened', { timeout: 30_000 });
  await expect(page.getByTestId('screening-progress')).toHaveAttribute('value', '3');
  await expect(page.getByTestId('screening-run')).toContainText('Latest run (blind)');
  const scores = await page.getByTestId('ranked-score').allTextContents();
  expect(scores).toEqual(['100', '33', '0']);
  await expect(page.getByTestId('ranked-row').first()).toContainText('Ada Park');
  await noSeriousViolations(page, 'Job page with screening');

  // Ada's verdicts: each quote, clicked, is the highlighted place in the (redacted) text.
  await page.getByTestId('ranked-row').first().getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Ada Park' })).toBeVisible();
  const result = page.getByTestId('screening-result');
  await expect(result.getByTestId('screening-score')).toHaveText('score 100');
  await expect(result.getByTestId('verdict').first()).toContainText('Met');
  await expect(result.getByTestId('resume-text')).toContainText('[NAME]');
  await expect(result.getByTestId('resume-text')).not.toContainText('ada.park@example.com');
  const quote = result.getByTestId('quote-link').first();
  await expect(quote).toContainText('Built Rust services for five years');
  await quote.click();
  const target = result.locator('mark:target');
  await expect(target).toHaveText('Built Rust services for five years');
  await expect(target).toHaveCSS('outline-style', 'solid');
  await noSeriousViolations(page, 'Candidate page with screening');
  expect(errors).toEqual([]);
});
