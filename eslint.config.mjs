// ESLint (`npm run lint`, part of `npm test`): ESLint's and typescript-eslint's
// recommended rules over the TypeScript sources, tests and build scripts.
// Syntax-only rules (no type information), so it stays quick; tsc does the
// type checking. Layout is Prettier's (`npm run format`, `.prettierrc.json`): none of
// these rules is stylistic, so the two never disagree.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.tools/', 'grammars/', '**/*.js'] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    // Readers of a graph node's attributes name its op, so that a misspelt key fails type-checking.
    files: ['src/core/export/**/*.ts', 'src/core/memory/**/*.ts', 'webview/src/engine/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='attributes']", message: "Read a graph node's attributes with attributesOf(node, 'op') from src/core/ops/attributes.ts." },
      ],
    },
  },
  {
    // The build scripts run in Node as plain ES modules.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
