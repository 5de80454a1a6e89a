/** `pipewright schema`: the JSON Schema derived from the zod schema. */
import { toJsonSchema } from '../config/schema.js';
import { processIo, type Io } from '../io.js';

export async function run(_opts: unknown, io: Io = processIo): Promise<number> {
  io.out(`${JSON.stringify(toJsonSchema(), null, 2)}\n`);
  return 0;
}
