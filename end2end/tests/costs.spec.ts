import { expect, test } from '@playwright/test';
import { groqKey, register, uniqueEmail, waitForHydration, watchConsole } from './helpers';

// What the AI costs, in the browser: My Profile's "Budget and balance" sets a budget on the
// user's own keys and shows the month's spend; a spent budget puts a banner on every page; an
// OpenRouter key's credit comes from OpenRouter's GET /api/v1/key (the mock's). Then the budget
// form without JavaScript: a plain post.

/** An OpenRouter-format key the mock accepts. */
function openrouterKey(): string {
  const hex = Array.from({ length: 64 }, (_, i) => '0123456789abcdef'[(i * 5 + Date.now()) % 16]).join('');
  return `sk-or-v1-${hex}`;
}

test('a budget on my own keys, its banner, and my OpenRouter credit', async ({ page }) => {
  const errors = watchConsole(page);
  await register(page, uniqueEmail('budget'));
  await page.goto('/profile');
  await waitForHydration(page);
  const budget = page.getByTestId('budget');
  await expect(budget.getByTestId('budget-line')).toContainText('No budget is set');

  // A Groq key, saved and used.
  await page.getByLabel('API key', { exact: true }).fill(groqKey());
  await page.getByLabel('Use my personal API key').check();
  await page.getByRole('button', { name: '💾 Save Settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  // A budget of $0: spent at once, so calls on the key would be refused.
  await budget.getByTestId('budget-input').fill('0');
  await budget.getByRole('button', { name: 'Save budget' }).click();
  await expect(budget.getByText('Budget saved.')).toBeVisible();
  await expect(budget.getByTestId('budget-line')).toContainText('$0.00 of $0.00 spent this month');
  await expect(budget.getByTestId('budget-state')).toContainText('The budget is spent');

  // Every page says so.
  await page.goto('/candidates');
  await expect(page.getByTestId('budget-banner')).toContainText('Your monthly budget for your own API keys is spent');
  await page.goto('/');
  await expect(page.getByTestId('budget-banner')).toBeVisible();

  // Raised: the banner goes.
  await page.goto('/profile');
  await waitForHydration(page);
  await budget.getByTestId('budget-input').fill('25');
  await budget.getByRole('button', { name: 'Save budget' }).click();
  await expect(budget.getByTestId('budget-line')).toContainText('$0.00 of $25.00 spent this month');
  await page.goto('/');
  await waitForHydration(page);
  await expect(page.getByTestId('budget-banner')).toHaveCount(0);

  // An OpenRouter key: its credit, from OpenRouter (the mock: 2.50 of 10.00 used).
  await page.goto('/profile');
  await waitForHydration(page);
  await page.getByLabel('Provider').selectOption('openrouter');
  await page.getByLabel('API key', { exact: true }).fill(openrouterKey());
  await page.getByRole('button', { name: '🧪 Test' }).click();
  await expect(page.getByTestId('test-result')).toContainText('API key is valid!');
  await page.getByRole('button', { name: '💾 Save Settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await page.reload();
  await waitForHydration(page);
  await expect(budget.getByTestId('openrouter-credit')).toContainText('used $2.50 of its $10.00 credit limit; $7.50 is left');
  expect(errors).toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the budget form is a plain post', async ({ page }) => {
    await page.goto('/register');
    await page.getByLabel('Name').fill('Nora Noscript');
    await page.getByLabel('Email').fill(uniqueEmail('budget-nojs'));
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await page.goto('/profile');
    const budget = page.getByTestId('budget');
    await budget.getByTestId('budget-input').fill('12.5');
    await budget.getByRole('button', { name: 'Save budget' }).click();
    await page.goto('/profile');
    await expect(page.getByTestId('budget').getByTestId('budget-line')).toContainText('of $12.50 spent this month');
  });
});
