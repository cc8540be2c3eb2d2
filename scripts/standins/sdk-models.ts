/**
 * The request shapes a Tencent Cloud SDK module declares, read from its `.d.ts` models with the
 * TypeScript compiler API, so a stand-in checks every request against what the SDK itself says:
 * required and optional fields, their types (string, number, boolean, arrays, nested
 * interfaces), and no field the interface does not name.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { SyntaxKind } from "typescript/unstable/ast";
import * as is from "typescript/unstable/ast/is";
import { API } from "typescript/unstable/sync";

export type FieldType =
  | { kind: "string" | "number" | "boolean" | "any" }
  | { kind: "array"; of: FieldType }
  | { kind: "ref"; name: string };

export interface Field {
  optional: boolean;
  type: FieldType;
}

/** Interface name → its fields. */
export type Models = Map<string, Map<string, Field>>;

/** The models file of an SDK service module, e.g. ("tencentcloud-sdk-nodejs-scf", "scf", "v20180416"). */
export function modelsFile(pkg: string, service: string, version: string): string {
  const root = path.dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  return path.join(root, "tencentcloud", "services", service, version, `${service}_models.d.ts`);
}

type TypeNodeLike = Parameters<typeof is.isTypeReferenceNode>[0];

function fieldType(node: TypeNodeLike): FieldType {
  switch (node.kind) {
    case SyntaxKind.StringKeyword:
      return { kind: "string" };
    case SyntaxKind.NumberKeyword:
      return { kind: "number" };
    case SyntaxKind.BooleanKeyword:
      return { kind: "boolean" };
  }
  if (is.isArrayTypeNode(node)) return { kind: "array", of: fieldType(node.elementType) };
  if (is.isTypeReferenceNode(node) && is.isIdentifier(node.typeName)) {
    const name = node.typeName.text;
    const [arg] = node.typeArguments ?? [];
    if (name === "Array" && arg) return { kind: "array", of: fieldType(arg) };
    return { kind: "ref", name };
  }
  // Anything else (unions, `any`, object literals) is accepted as it comes.
  return { kind: "any" };
}

const cache = new Map<string, Models>();

/** Every interface declared in `file`, with its fields. Parsed once per process. */
export function readModels(file: string): Models {
  const known = cache.get(file);
  if (known) return known;
  const api = new API({ cwd: path.dirname(file) });
  const models: Models = new Map();
  try {
    const snapshot = api.updateSnapshot({ openFiles: [file] });
    const source = snapshot.getDefaultProjectForFile(file)?.program.getSourceFile(file);
    if (!source) throw new Error(`the TypeScript API could not read ${file}`);
    for (const statement of source.statements) {
      if (!is.isInterfaceDeclaration(statement)) continue;
      const fields = new Map<string, Field>();
      for (const member of statement.members) {
        if (!is.isPropertySignatureDeclaration(member) || !is.isIdentifier(member.name)) continue;
        fields.set(member.name.text, {
          optional: member.postfixToken?.kind === SyntaxKind.QuestionToken,
          type: fieldType(member.type),
        });
      }
      models.set(statement.name.text, fields);
    }
  } finally {
    api.close();
  }
  cache.set(file, models);
  return models;
}

function typeProblems(models: Models, type: FieldType, value: unknown, at: string): string[] {
  switch (type.kind) {
    case "any":
      return [];
    case "string":
    case "number":
    case "boolean":
      return typeof value === type.kind ? [] : [`${at}: expected ${type.kind}, got ${describe(value)}`];
    case "array":
      if (!Array.isArray(value)) return [`${at}: expected an array, got ${describe(value)}`];
      return value.flatMap((v, i) => typeProblems(models, type.of, v, `${at}[${i}]`));
    case "ref":
      return fieldProblems(models, type.name, value, at);
  }
}

const describe = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/**
 * What is wrong with `value` as the SDK's interface `name`: missing required fields, fields the
 * interface does not declare, fields of the wrong type. Empty when it fits.
 */
export function fieldProblems(models: Models, name: string, value: unknown, at = name): string[] {
  const fields = models.get(name);
  if (!fields) return [`${at}: the SDK declares no interface ${name}`];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [`${at}: expected an object (${name}), got ${describe(value)}`];
  }
  const problems: string[] = [];
  const given = new Map(Object.entries(value));
  for (const [field, spec] of fields) {
    if (!given.has(field) && !spec.optional) problems.push(`${at}.${field}: required`);
  }
  for (const [field, v] of given) {
    const spec = fields.get(field);
    if (!spec) problems.push(`${at}.${field}: not a field of ${name}`);
    else problems.push(...typeProblems(models, spec.type, v, `${at}.${field}`));
  }
  return problems;
}
