import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bin/**', '.bench-tmp-*/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' }],
      'no-restricted-imports': ['error', { paths: [{ name: '@modelcontextprotocol/sdk', message: 'SDK v1 cannot speak 2026-07-28; use the v2 packages.' }], patterns: ['@modelcontextprotocol/sdk/*'] }],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      'no-console': 'error',
      'max-lines': ['error', { max: 320, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/cli/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'process', property: 'exit', message: 'Only src/cli decides exit codes.' },
        { object: 'process', property: 'env', message: 'Only src/cli reads the environment.' },
      ],
    },
  },
  {
    files: ['test/fixtures/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
