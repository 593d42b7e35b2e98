// A deliberately small JSON Schema (2020-12 subset) checker for the OpenAPI tests: enough to
// run documented schemas against real values. Unknown keywords throw, so a schema feature the
// checker does not understand can never make a test pass by being ignored.
type Schema = Record<string, any>;

const ANNOTATIONS = new Set(["description", "default", "examples", "example", "title", "format", "deprecated", "readOnly", "writeOnly"]);
const KEYWORDS = new Set([
  "$ref", "anyOf", "oneOf", "allOf", "type", "enum", "const", "properties", "required", "additionalProperties",
  "items", "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Errors of `value` against `schema` ($refs resolved in `root`, e.g. the OpenAPI document). */
export function schemaErrors(schema: Schema, value: unknown, root: Schema, path = "$"): string[] {
  for (const k of Object.keys(schema)) {
    if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`json-schema checker: unsupported keyword "${k}" at ${path}`);
  }
  const errs: string[] = [];
  if (schema.$ref) {
    const target = String(schema.$ref).replace(/^#\//, "").split("/").reduce((o: any, p) => o?.[p], root);
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    errs.push(...schemaErrors(target, value, root, path));
  }
  if (schema.anyOf && !schema.anyOf.some((s: Schema) => schemaErrors(s, value, root, path).length === 0)) errs.push(`${path}: matches no anyOf branch`);
  if (schema.oneOf && schema.oneOf.filter((s: Schema) => schemaErrors(s, value, root, path).length === 0).length !== 1) errs.push(`${path}: must match exactly one oneOf branch`);
  for (const s of schema.allOf ?? []) errs.push(...schemaErrors(s, value, root, path));
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((x) => x === t || (x === "number" && t === "integer"))) return [...errs, `${path}: expected ${types.join("|")}, got ${t}`];
  }
  if (schema.enum && !schema.enum.some((e: unknown) => e === value)) errs.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if ("const" in schema && schema.const !== value) errs.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (t === "number" || t === "integer") {
    const n = value as number;
    if (schema.minimum !== undefined && n < schema.minimum) errs.push(`${path}: below minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && n > schema.maximum) errs.push(`${path}: above maximum ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && n <= schema.exclusiveMinimum) errs.push(`${path}: not above ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && n >= schema.exclusiveMaximum) errs.push(`${path}: not below ${schema.exclusiveMaximum}`);
  }
  if (t === "string") {
    const s = value as string;
    if (schema.minLength !== undefined && [...s].length < schema.minLength) errs.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && [...s].length > schema.maxLength) errs.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(s)) errs.push(`${path}: does not match ${schema.pattern}`);
  }
  if (t === "array") {
    const a = value as unknown[];
    if (schema.minItems !== undefined && a.length < schema.minItems) errs.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && a.length > schema.maxItems) errs.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items) a.forEach((x, i) => errs.push(...schemaErrors(schema.items, x, root, `${path}[${i}]`)));
  }
  if (t === "object") {
    const o = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in o)) errs.push(`${path}: missing ${r}`);
    for (const [k, v] of Object.entries(o)) {
      if (schema.properties?.[k]) errs.push(...schemaErrors(schema.properties[k], v, root, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}: unknown property ${k}`);
      else if (typeof schema.additionalProperties === "object") errs.push(...schemaErrors(schema.additionalProperties, v, root, `${path}.${k}`));
    }
  }
  return errs;
}
