/** `pipewright schema [--catalog | --markdown]`: the JSON Schema derived from the zod schema. */
import { toJsonSchema } from '../config/schema.js';
import { toCatalogJsonSchema } from '../config/catalog-schema.js';
import { processIo, type Io } from '../core/io.js';

export async function run(opts: { readonly catalog?: boolean; readonly markdown?: boolean }, io: Io = processIo): Promise<number> {
  if (opts.markdown) {
    const { renderConfigReference } = await import('../render/docs/config-reference.js');
    io.out(renderConfigReference());
    return 0;
  }
  io.out(`${JSON.stringify(opts.catalog ? toCatalogJsonSchema() : toJsonSchema(), null, 2)}\n`);
  return 0;
}
