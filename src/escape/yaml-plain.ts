/**
 * The shapes of string escape/yaml.ts writes plain (see there): a string of one of them, written
 * plain, reads back as itself under YAML 1.1 and 1.2. Apart from js-yaml, for the pre-push hook's
 * scan of a config (rules/quick-rules.ts), which must not load a YAML parser.
 */
const NAME = /^[A-Za-z/][A-Za-z0-9._/-]*$/;
const QUANTITY = /^[0-9]+(?:\.[0-9]+)?(?:m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)$/;
const YAML11_WORDS = /^(?:y|n|yes|no|true|false|on|off|null)$/i;

/** Whether `value` may be written as a plain (unquoted) scalar, and so reads back as itself. */
export function isPlainSafe(value: string): boolean {
  return (QUANTITY.test(value) || NAME.test(value)) && !YAML11_WORDS.test(value);
}
