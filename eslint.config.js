// ESLint (npm run lint, part of npm test): the recommended rules, and typescript-eslint's
// type-aware ones on the TypeScript (promises left floating, `any` leaking, unsafe templates).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'native/', 'node_modules/', 'models/', 'bench/out/', 'bench/data/', 'test/fixtures/', 'test/artifacts/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // Each file is typed by the nearest tsconfig.json: the root one (src/, workers/), test/'s.
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `const { output: _output, ...rest } = options` is how a key is left out of an object.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // JavaScript (bench/, bin/, helpers): the recommended rules, without types.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Functions these hand to Chromium (page.evaluate) run in the page, where window and document are.
    files: ['bench/report-render.mjs', 'test/helpers/chromium.mjs'],
    languageOptions: { globals: globals.browser },
  },
);
