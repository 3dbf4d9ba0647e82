import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import layering from './eslint-rules/layering.js';

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
    // Which layer may import which: one table (eslint-rules/layering.js), for main/, electron/ and renderer/.
    files: ['main/**/*.ts', 'electron/**/*.ts', 'renderer/**/*.ts', 'renderer/**/*.vue'],
    plugins: { local: { rules: { layering } } },
    rules: { 'local/layering': 'error' },
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
    // The renderer runs in a sandboxed page: browser globals, and nothing of Node (of main/, the layering table
    // allows main/api and main/base only).
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['node:*'], message: 'The renderer cannot use Node.' }],
          paths: [{ name: 'electron', message: 'The renderer talks to main only through window.cod / the api.' }],
        },
      ],
    },
  },
);
