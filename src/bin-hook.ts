/** The entry of dist/bin/hook.js (see hook-main.ts). */
import { main } from './hook-main.js';

await main(process.argv);
