/** `npm run grammar`: writes the generated grammar files. */
import { writeFileSync } from 'node:fs';
import { grammarFiles } from './grammar';

for (const [path, content] of Object.entries(grammarFiles())) {
  writeFileSync(path, content);
  console.log(`wrote ${path}`);
}
