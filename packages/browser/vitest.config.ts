/// <reference types="@vitest/browser/providers/playwright" />
import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// Debian's `chromium` package (scripts/test.sh installs it when missing); never a downloaded
// Playwright build. No check here: vitest loads every project's config, even for `--project core`.
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

export default mergeConfig(
  shared,
  defineProject({
    // The pages that tests open in iframes are no test files: have Vite's dependency scan see
    // them, or it finds their imports mid-run and reloads the tests.
    optimizeDeps: { entries: ["test/fixtures/**/*.ts"] },
    test: {
      name: "browser",
      include: ["test/**/*.test.ts"],
      // Runs in Node: starts the MCP test servers on 127.0.0.1 and hands their URLs to the page.
      globalSetup: ["test/globalSetup.ts"],
      browser: {
        enabled: true,
        provider: "playwright",
        headless: true,
        screenshotFailures: false,
        instances: [{
          browser: "chromium",
          launch: { executablePath, args: ["--disable-gpu", "--disable-quic"] }
        }]
      }
    }
  })
)
