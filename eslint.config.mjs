import * as effectEslint from "@effect/eslint-plugin"
import js from "@eslint/js"
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript"
import { importX } from "eslint-plugin-import-x"
import { builtinModules } from "node:module"
import tseslint from "typescript-eslint"

const noAnyCast = {
  selector: "TSAsExpression > TSAnyKeyword",
  message: "No casts to any."
}

// packages/core must run unchanged in Node, browsers and other runtimes: no host globals, no host
// modules. (Type-only imports are banned too: they would leak into the published .d.ts.)
const hostGlobals = [
  ...[
    "process",
    "Buffer",
    "global",
    "require",
    "module",
    "exports",
    "__dirname",
    "__filename",
    "setImmediate",
    "clearImmediate"
  ].map((name) => ({ name, message: "Node-only global: core must stay platform-agnostic." })),
  ...[
    "window",
    "self",
    "document",
    "navigator",
    "location",
    "localStorage",
    "sessionStorage",
    "XMLHttpRequest",
    "EventSource",
    "WebSocket"
  ].map((name) => ({ name, message: "DOM-only global: core must stay platform-agnostic." }))
]
const hostModules = {
  paths: builtinModules.map((name) => ({ name, message: "Node built-in: core must stay platform-agnostic." })),
  patterns: [
    { regex: "^node:", message: "Node built-in: core must stay platform-agnostic." },
    {
      regex: "^@effect/platform-(node|browser|bun)",
      message: "Platform layers belong in @mcp-effect/node or @mcp-effect/browser, not in core."
    },
    { regex: "^@mcp-effect/(node|browser)", message: "core must not depend on the platform packages." }
  ]
}

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/build/**",
      "**/node_modules/**",
      "**/.conformance-cache/**",
      "**/coverage/**",
      "**/bench-results/**",
      "**/.vite/**",
      "**/*.d.ts"
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "@effect": effectEslint },
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly"
      }
    },
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/array-type": ["error", { default: "generic", readonly: "generic" }],
      "no-restricted-syntax": ["error", noAnyCast]
    }
  },
  // No value-import cycles: a module that imports (directly or through others) a module importing it
  // back works only by import order, and loading the other first throws ReferenceError. Type-only
  // imports (`import type`, enforced by consistent-type-imports) are erased, so they may cycle.
  {
    files: ["packages/*/src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      // The modules a file imports are parsed as TypeScript too (or their imports go unseen).
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/extensions": [".ts", ".js", ".mjs"],
      "import-x/resolver-next": [
        createTypeScriptImportResolver({ project: "packages/*/tsconfig.json", noWarnOnMultipleProjects: true })
      ]
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }]
    }
  },
  {
    files: ["packages/core/src/**"],
    rules: {
      "no-restricted-globals": ["error", ...hostGlobals],
      "no-restricted-imports": ["error", hostModules],
      "no-restricted-properties": [
        "error",
        ...["process", "Buffer", "window", "document", "navigator"].map((property) => ({
          object: "globalThis",
          property,
          message: "Host-specific global: core must stay platform-agnostic."
        }))
      ],
      // no-restricted-imports does not see dynamic imports; this block replaces the rule's options,
      // so the global selector is repeated.
      "no-restricted-syntax": ["error", noAnyCast, {
        selector:
          "ImportExpression[source.type='Literal'][source.value=/^node:|^@effect\\/platform-(node|browser|bun)/]",
        message: "Host-specific dynamic import: core must stay platform-agnostic."
      }]
    }
  }
)
