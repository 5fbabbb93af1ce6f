import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `make bench`: the Profile page's load time in Chromium, against the same release build,
// mock provider and ports as the end-to-end suite (the two never run at once).
export default defineConfig({
  ...base,
  testDir: './bench',
  outputDir: 'bench-results',
  timeout: 120_000,
});
