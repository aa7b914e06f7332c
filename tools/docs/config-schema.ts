// `npm run docs:config`: writes src/cli/config.schema.json from the option table (src/cli/option-table.ts).
// The schema is a file because the package exports it (`bits-conformance/config.schema.json`) for
// editors; src/cli/options.test.ts holds the file to the table.
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/cli/option-table.js';
import { writeFileAtomic } from '../../src/report/files.js';

export const CONFIG_SCHEMA_FILE = fileURLToPath(new URL('../../src/cli/config.schema.json', import.meta.url));

await writeFileAtomic(CONFIG_SCHEMA_FILE, `${JSON.stringify(configSchema(), null, 2)}\n`);
console.log(`wrote ${CONFIG_SCHEMA_FILE}`);
