import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'coverage/', 'resources/', 'scratch/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // main/ is plain Node: only the Electron glue may import 'electron'.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only electron/ may import electron.' }] },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // backend -> models -> engine (architecture.md): the training backend knows nothing of training, CoD, environments,
    // storage or the app around it, so a remote service can stand in for it.
    files: ['main/backend/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(training|cod|envs|store|services|cli|server|api)/',
              message: 'main/backend may import models, engine, workers and base only.',
            },
          ],
          paths: [{ name: 'electron', message: 'Only electron/ may import electron.' }],
        },
      ],
    },
  },
  ...vue.configs['flat/recommended'].map((c) => ({ ...c, files: ['renderer/**/*.vue'] })),
  {
    files: ['renderer/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    rules: {
      // Formatting is prettier's job.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      // v-model on a row object of the form's own array is how the form edits the curriculum.
      'vue/no-mutating-props': 'off',
    },
  },
  {
    // The renderer runs in a sandboxed page: browser globals, and nothing of Node or of main/ beyond main/api.
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The renderer cannot use Node.' },
            {
              regex: '^(\\.\\./)+main/(?!api/|base/)',
              message: 'The renderer may import only main/api (the contract); reach the rest through the api.',
            },
          ],
          paths: [{ name: 'electron', message: 'The renderer talks to main only through window.cod / the api.' }],
        },
      ],
    },
  },
  {
    // electron/ is glue: of main/ it imports only the api contract (the services run in the api host process).
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+main/(?!api/|base/)',
              message: 'electron/ imports only main/api; the services run in the api host (main/workers).',
            },
          ],
        },
      ],
    },
  },
);
