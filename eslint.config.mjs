import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const FEATURES = ['auth', 'users', 'images', 'kickstarter', 'operations'];
// A string that names a table as a word: `from users`, 'revoked_tokens' …
const TABLE_NAMES = '/\\b(users|images|kickstarter|revoked_tokens|app_settings|knex_migrations)\\b/';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  // The shape of src/ (../shared/architecture.md): files stay readable, dependencies run one way.
  { files: ['src/**/*.ts'], rules: { 'max-lines': ['error', { max: 300 }] } },
  {
    // http/ and db/ serve every feature and know none: no feature import, no table named in http/.
    files: ['src/http/**/*.ts', 'src/db/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: FEATURES.map((feature) => `../${feature}/*`), message: 'http/ and db/ import no feature.' }] }],
    },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['Literal', 'TemplateElement'].map((node) => ({
          selector: `${node}[${node === 'Literal' ? 'value' : 'value.raw'}=${TABLE_NAMES}]`,
          message: 'http/ names no table: SQL lives in the features\' models and in db/.',
        })),
      ],
    },
  },
  ...FEATURES.map((feature) => ({
    // A feature meets another only through that feature's service.
    files: [`src/${feature}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...FEATURES.filter((other) => other !== feature).map((other) => `../${other}/*`), '!../*/service'],
              message: 'A feature imports another only through its service.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { module: 'readonly', require: 'readonly', process: 'readonly', console: 'readonly' },
    },
  },
);
