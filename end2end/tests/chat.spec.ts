import { expect, test, type Dialog, type Page } from '@playwright/test';
import { groqKey, register, savePersonalKey, uniqueEmail, uploadPdf, waitForHydration, watchConsole } from './helpers';

/** Uploads a resume through the REST API, as the signed-in page; returns the new candidate. */
async function uploadResume(page: Page, fileName: string, lines: string[]): Promise<{ id: string }> {
  const res = await uploadPdf(page, fileName, lines);
  expect([200, 201]).toContain(res.status());
  return (await res.json()) as { id: string };
}

const ADA = [
  'Ada Lovelace',
  'Title: Senior Python Engineer',
  'Email: ada@example.com',
  'Skills: Python, Django, PostgreSQL',
  '8 years of experience building analytics engines.',
  // A model answer quotes resumes: this must stay text, never become a javascript: link.
  'Portfolio: [site](javascript:alert(document.cookie))',
];

const JAMES = [
  'James Gosling',
  'Title: Java Developer',
  'Email: james@example.com',
  'Skills: Java, Spring, Kotlin',
  '12 years of experience with JVM services.',
];

/** Fails the test if the page ever opens an alert: an answer or question ran as script. */
function forbidDialogs(page: Page, seen: string[]) {
  const handler = async (dialog: Dialog) => {
    seen.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  };
  page.on('dialog', handler);
  return () => page.off('dialog', handler);
}

test('ask about candidates: the answer streams in, shows the match, and the conversation is kept', async ({ page }) => {
  const errors = watchConsole(page);
  const dialogs: string[] = [];
  const allowDialogs = forbidDialogs(page, dialogs);
  await register(page, uniqueEmail('chat'));
  await savePersonalKey(page, groqKey());
  const ada = await uploadResume(page, 'ada.pdf', ADA);
  await uploadResume(page, 'james.pdf', JAMES);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AI Chat' }).click();
  await expect(page.getByRole('heading', { name: 'AI Chat' })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByTestId('key-source')).toContainText('Using your Groq key');

  const box = page.getByLabel('Ask about your candidates');
  // Shift+Enter is a new line, not a send.
  await box.fill('first line');
  await box.press('Shift+Enter');
  await expect(box).toHaveValue('first line\n');
  await expect(page.getByTestId('chat-message')).toHaveCount(0);

  await box.fill('Find Python developers');
  await box.press('Enter');
  await expect(box).toHaveValue('');
  const question = page.locator('[data-role=user]').last();
  await expect(question).toHaveText('Find Python developers');
  const reply = page.locator('[data-role=assistant]').last();
  const answer = reply.getByTestId('answer');
  await expect(answer).toContainText('Here is what I found', { timeout: 20_000 });
  await expect(answer).toContainText('Ada Lovelace');
  await expect(reply).toHaveAttribute('aria-busy', 'false');
  await expect(reply.getByTestId('message-incomplete')).toHaveCount(0);
  await expect(page.getByTestId('key-source')).toContainText('Using your Groq key');

  const cards = reply.getByTestId('chat-candidate');
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText('Ada Lovelace');
  await expect(cards.first()).toContainText('Senior Python Engineer');
  await expect(cards.first().locator('.chip', { hasText: 'Django' })).toBeVisible();
  await expect(reply).not.toContainText('James Gosling');
  // The answer cites Ada by id: the citation links to her.
  await expect(answer.getByTestId('citation').first()).toHaveAttribute('href', `/candidates/${ada.id}`);
  // Resume text quoted in the answer stays text.
  await expect(answer).toContainText('[site](javascript:alert(document.cookie))');
  await expect(page.locator('.chat-messages a[href^="javascript"]')).toHaveCount(0);

  // The new conversation is in the address and in the list.
  await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  const conversationUrl = page.url();
  const conversations = page.getByTestId('conversation');
  await expect(conversations).toHaveCount(1);
  await expect(conversations.first()).toContainText('Find Python developers');
  await page.screenshot({ path: 'artifacts/chat-answer.png', fullPage: true });

  await cards.first().getByTestId('chat-candidate-link').click();
  await expect(page).toHaveURL(new RegExp(`/candidates/${ada.id}$`));
  await expect(page.getByRole('heading', { name: 'Ada Lovelace' })).toBeVisible();

  // Opening the conversation's address (server-rendered, then hydrated) shows it again.
  await page.goto(conversationUrl);
  await waitForHydration(page);
  await expect(page.locator('[data-role=user]')).toHaveText(['Find Python developers']);
  await expect(page.locator('[data-role=assistant]').getByTestId('chat-candidate')).toHaveCount(1);
  await expect(page.getByTestId('conversation').first()).toHaveClass(/active/);

  // A question with markup: shown as typed, never run; the title in the list is text too.
  await page.getByRole('button', { name: 'New chat' }).click();
  await expect(page).toHaveURL(/\/chat$/);
  await expect(page.getByTestId('chat-message')).toHaveCount(0);
  const hostile = 'Python <img src=x onerror=alert(1)> <script>alert(2)</script>';
  await box.fill(hostile);
  await box.press('Enter');
  await expect(page.locator('[data-role=user]').last()).toHaveText(hostile);
  await expect(page.locator('[data-role=assistant]').last().getByTestId('answer')).toContainText('Here is what I found', {
    timeout: 20_000,
  });
  await expect(page.getByTestId('conversation')).toHaveCount(2);
  await expect(page.getByTestId('conversation').first()).toContainText('<img src=x onerror=alert(1)>');
  await expect(page.locator('.chat img, .chat script')).toHaveCount(0);
  expect(dialogs).toEqual([]);

  // Rename in place (no browser prompt), then delete after the browser's confirm.
  const first = page.getByTestId('conversation').first();
  await first.getByText('Rename or delete').click();
  await first.getByLabel('New title').fill('Python shortlist');
  await first.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(page.getByTestId('conversation').first()).toContainText('Python shortlist');
  expect(dialogs).toEqual([]);
  allowDialogs();
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('conversation').first().getByText('Rename or delete').click();
  await page.getByTestId('conversation').first().getByRole('button', { name: 'Delete this conversation' }).click();
  await expect(page.getByTestId('conversation')).toHaveCount(1);
  await expect(page).toHaveURL(/\/chat$/);
  await expect(page.getByTestId('conversation').first()).toContainText('Find Python developers');
  expect(errors).toEqual([]);
});

test('stop keeps the partial answer, marked incomplete', async ({ page }) => {
  const errors = watchConsole(page);
  await register(page, uniqueEmail('chat-stop'));
  // `drip` makes the mock provider stream slowly, so there is time to press Stop.
  await savePersonalKey(page, groqKey('drip'));
  await uploadResume(page, 'ada.pdf', ADA);

  await page.goto('/chat');
  await waitForHydration(page);
  const box = page.getByLabel('Ask about your candidates');
  await box.fill('Find Python developers');
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.locator('[data-role=assistant]').last();
  // Tokens show as they arrive, before the answer is complete.
  await expect(reply.getByTestId('answer')).toContainText('Here', { timeout: 20_000 });
  await expect(reply).toHaveAttribute('aria-busy', 'true');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(reply.getByTestId('message-incomplete')).toContainText('Stopped');
  await expect(reply).toHaveAttribute('aria-busy', 'false');
  const partial = (await reply.getByTestId('answer').innerText()).trim();
  expect(partial.length).toBeGreaterThan(0);
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
  await expect(page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);

  // The server kept the partial answer as incomplete (it notices the closed connection at its
  // next chunk, so the first reload may come too early).
  await expect(async () => {
    await page.reload();
    await waitForHydration(page);
    const stored = page.locator('[data-role=assistant]').last();
    await expect(stored.getByTestId('message-incomplete')).toContainText('Stopped', { timeout: 5_000 });
    await expect(stored.getByTestId('answer')).toContainText('Here', { timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('without a usable key the page says an API key is required', async ({ page }) => {
  const errors = watchConsole(page);
  // A fresh user: no personal key, and the test server has no system key.
  await register(page, uniqueEmail('chat-nokey'));
  await page.goto('/chat');
  await waitForHydration(page);
  const required = page.getByTestId('api-key-required');
  await expect(required).toBeVisible();
  await expect(required).toHaveAttribute('role', 'alert');
  await expect(required).toContainText('API key required');
  const setUp = required.getByRole('link', { name: 'Set up your API key in My Profile' });
  await expect(setUp).toHaveAttribute('href', '/profile');
  await expect(page.getByTestId('key-source')).toHaveCount(0);
  expect(errors).toEqual([]);

  // Asking anyway is refused (403) and says why, on the message and in the alert.
  const box = page.getByLabel('Ask about your candidates');
  await box.fill('Find Python developers');
  await box.press('Enter');
  const reply = page.locator('[data-role=assistant]').last();
  await expect(reply.getByTestId('message-incomplete')).toContainText('API key', { timeout: 20_000 });
  await expect(required).toBeVisible();
  // The browser itself logs the refused request; nothing else may fail.
  expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);

  await setUp.click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'My Profile' })).toBeVisible();
});
