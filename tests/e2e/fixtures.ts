import { test as base, expect } from '@playwright/test';

// Every browser test fails on a console error, an uncaught exception or a CSP violation: the CSP
// is enforced, so a violation means something on the page is broken.
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        // A page that is itself an error page (404) logs its own status; that is not a fault.
        if (message.location().url === page.url() && /status of [45]\d\d/.test(message.text()))
          return;
        errors.push(`${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await use(errors);
      expect(errors, 'console errors on the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
