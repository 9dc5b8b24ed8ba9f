import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (infra/local/chromium.sh installs it; the test command runs that script). */
export const CHROMIUM = '/usr/bin/chromium';

export interface OpenPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** The page's console errors, as they come (a strict CSP reports what it blocks there). */
  readonly consoleErrors: string[];
  close(): Promise<void>;
}

/** A headless Chromium with a throwaway profile and one page, its console errors collected. */
export async function openChromium(): Promise<OpenPage> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash infra/local/chromium.sh (apt-get install chromium)`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'thoth-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  return {
    context,
    page,
    consoleErrors,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
