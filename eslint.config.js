// Lint: typescript-eslint's recommended rules plus the house rules that keep tests honest and the domain pure.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'dist/', 'coverage/', '.e2e/', 'bench/tmp/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name=/^(only|skip)$/]",
          message: 'No .only/.skip lands.',
        },
      ],
    },
  },
  {
    // Tests read untyped JSON answers from the API; `any` there is the honest type.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The domain reads no clock and no environment: time and ids arrive through ports.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'domain/ reads no environment; pass config in.' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'domain/ reads no clock; take `now` as a parameter.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'domain/ reads no clock; take `now` as a parameter.' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'domain/ makes no ids; use the IdGenerator port.' },
      ],
    },
  },
);
