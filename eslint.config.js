// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', 'libs/contracts/src/gen/**', '**/dist/**', '.thoth/**', 'test/bench/results/**', '**/.venv/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Parse the environment once, in a config/ module (docs/architecture.md, "Conventions").',
        },
      ],
    },
  },
  {
    // Where the environment is legitimately read: config modules, test provisioning, scripts.
    files: ['**/config/**', 'libs/testing/**', 'scripts/**', 'infra/image/**', 'test/**', '**/*.config.ts', 'apps/thoth/src/main.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
