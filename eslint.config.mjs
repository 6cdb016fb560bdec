// @ts-check
// ESLint for the whole tree (`npm run lint`, run by `npm test`). The TypeScript rules are
// type-aware over one program, tsconfig.test.json, which holds every package's src and test,
// the examples, the benchmarks and the repository's own tests: one program is built once,
// which keeps a full run affordable on a 2-core machine.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Files outside tsconfig.test.json: linted without type information. */
const untyped = [
  'jest.config.ts',
  // Compiled against the packed tarballs in a temporary project by scripts/consumer-check.mjs.
  'scripts/consumer-app/**',
  'scripts/consumer-client-app/**',
];

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'benchmarks/results/**',
      // AssemblyScript (i32, usize, `<usize>x` casts): compiled by asc, not by tsc.
      'packages/flash-attention-stream/assembly/**',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // A Pid prints as <node.scheduler.serial>, which is what a message about a process wants.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowNumber: true,
          allowBoolean: true,
          allow: [{ from: 'file', name: 'Pid', path: 'packages/otp/src/pid.ts' }],
        },
      ],
      // Exit reasons, abort reasons and caught values are not always Errors, by design
      // (crashes are values): rejecting or rethrowing one as it came is allowed; building a
      // new non-Error rejection or throw is still flagged.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingUnknown: true, allowThrowingAny: true },
      ],
      '@typescript-eslint/only-throw-error': [
        'error',
        { allowThrowingUnknown: true, allowThrowingAny: true, allowRethrowing: true },
      ],
      // `declare global { namespace WebAssembly { ... } }` is how a global namespace is augmented.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      // require() where the code loads a module at run time on purpose; anything else imports.
      '@typescript-eslint/no-require-imports': [
        'error',
        {
          allow: [
            // message-batcher: a tokenizer's tables are megabytes; loaded on first count only.
            '^gpt-tokenizer/',
          ],
        },
      ],
      // Off: the code writes `!` on in-bounds typed-array and array reads (`i32[slot]!`) to say
      // so at the read; the rule would strip hundreds of them without finding a defect.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Off: an async function without await is how a Promise-returning contract (a benchmark
      // side, a stoppable, a handler) is met, and a synchronous throw becomes a rejection;
      // the defects around promises are no-floating-promises' and no-misused-promises'.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/test/**/*.ts', 'test-support/**/*.ts'],
    rules: {
      // Off in tests: they read decoded JSON-RPC and JSON results as `any` and check their
      // shape with expect(), which fails the test on the spot when a field is missing.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Off in tests: they log exit reasons with String() and assert on the text.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // The benchmark's server child loads only the side it runs (ours or the SDK), so that
    // neither pays for the other's modules.
    files: ['benchmarks/src/categories/mcp/server-child.ts', 'benchmarks/src/categories/mcp/stateless-child.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: untyped,
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { parserOptions: { project: false, program: null } },
  },
  {
    // The observer's page script runs in the browser, beside the uPlot bundle it is served with.
    files: ['packages/observability/src/observer/assets/**/*.js'],
    languageOptions: { globals: { ...globals.browser, uPlot: 'readonly' } },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
);
