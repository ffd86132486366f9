import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      'keys/',
      'bench/results/',
      'test-artifacts/',
      'coverage/',
      '**/dist/',
      '**/dist.next/',
      '**/dist.old/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-console': ['error', { allow: ['error', 'warn'] }],
      'no-restricted-exports': [
        'error',
        { restrictDefaultExports: { direct: true, named: true, defaultFrom: true } },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The pages' script runs in browsers, not in Node.
    files: ['src/http/web/assets/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Command-line programs, tests and benchmarks talk to a terminal; config files need a default export.
    files: [
      'src/cli/**',
      'scripts/**',
      'test/**',
      'packages/*/test/**',
      'bench/**',
      'examples/**',
      'deploy/**',
      '*.config.js',
    ],
    rules: { 'no-console': 'off', 'no-restricted-exports': 'off' },
  },
);
