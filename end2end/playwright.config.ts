import { defineConfig } from '@playwright/test';

// The suite starts its own mock provider and a hirekey on a fresh data directory.
const appPort = Number(process.env.HIREKEY_E2E_PORT ?? 3131);
const mockPort = Number(process.env.HIREKEY_E2E_MOCK_PORT ?? 9191);
const mock = `http://127.0.0.1:${mockPort}`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${appPort}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
      command: `./target/release/mock-provider --host 127.0.0.1 --port ${mockPort}`,
      cwd: '..',
      url: `${mock}/openai/v1/models`,
      ignoreHTTPSErrors: true,
      reuseExistingServer: false,
      timeout: 30_000,
      // /models answers 401 without a key, which still proves the server is up.
      stdout: 'ignore',
    },
    {
      command: 'rm -rf target/e2e-data && exec ./target/release/hirekey serve',
      cwd: '..',
      url: `http://127.0.0.1:${appPort}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: {
        HIREKEY_DATA_DIR: 'target/e2e-data',
        LEPTOS_SITE_ADDR: `127.0.0.1:${appPort}`,
        LEPTOS_SITE_ROOT: 'target/site',
        HIREKEY_GROQ_BASE_URL: `${mock}/openai/v1`,
        HIREKEY_OPENROUTER_BASE_URL: `${mock}/api/v1`,
        HIREKEY_DEEPSEEK_BASE_URL: mock,
        HIREKEY_OPENAI_BASE_URL: mock,
        GROQ_API_KEY: '',
        // Every test registers its own user through the page.
        HIREKEY_REGISTRATION: 'open',
        // The suite signs up more accounts from 127.0.0.1 than the default 30 per 15 minutes.
        HIREKEY_REGISTRATIONS_PER_ADDRESS: '200',
        RUST_LOG: 'info',
      },
    },
  ],
});
