/**
 * What Tencent's documents say about SCF request values that the SDK's types cannot: JSON held
 * in string fields, value ranges and formats. The SCF stand-in refuses a request that breaks
 * any of these, as the real API would.
 */
import * as z from "zod";

/**
 * A function URL's TriggerDesc (CreateTrigger with Type `http`), SCF document 583/100227
 * ("创建函数 URL"): AuthType `CAM` or `NONE`; NetConfig with both switches, required; an
 * optional CorsConfig whose Enable and Origins are required.
 */
export const FunctionUrlTriggerDesc = z.strictObject({
  AuthType: z.enum(["CAM", "NONE"]),
  NetConfig: z.strictObject({ EnableIntranet: z.boolean(), EnableExtranet: z.boolean() }),
  CorsConfig: z
    .strictObject({
      Enable: z.boolean(),
      Origins: z.array(z.string()),
      Headers: z.array(z.string()).optional(),
      Methods: z.array(z.string()).optional(),
      ExposeHeaders: z.array(z.string()).optional(),
      MaxAge: z.number().int().nonnegative().optional(),
      Credentials: z.boolean().optional(),
    })
    .optional(),
});

/** Runtimes CreateFunction lists (the SDK model's Runtime field). */
export const NodeRuntime = z.enum(["Nodejs12.16", "Nodejs14.18", "Nodejs16.13", "Nodejs18.15"]);

/** CreateFunction: 2–60 characters, a letter first, no dash or underscore last. */
export const FunctionName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/);

/** 64 MB, or 128–3072 MB in steps of 128 (CreateFunction, MemorySize). */
export const MemorySize = z
  .number()
  .int()
  .refine((n) => n === 64 || (n >= 128 && n <= 3072 && n % 128 === 0), "64, or 128–3072 in steps of 128");

/** 1–900 seconds (CreateFunction, Timeout). */
export const Timeout = z.number().int().min(1).max(900);

export const FunctionType = z.enum(["Event", "HTTP"]);

/** The custom domain's PathMatch (EndpointsConf): `/`, `/*`, `/xxx`, `/xxx/a`, `/xxx/*`. */
export const PathMatch = z.string().regex(/^\/(?:\*|[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*(?:\/\*)?)?$/);

export const DomainProtocol = z.enum(["HTTP", "HTTPS", "HTTP&HTTPS"]);

/** Alias names: a letter first, letters, digits, `_` and `-`, 1–64 characters (CreateAlias). */
export const AliasName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/);

/** InstanceConcurrencyConfig.MaxConcurrency: 1–100. */
export const MaxConcurrency = z.number().int().min(1).max(100);

/** A zip's bytes, base64 (Code.ZipFile / ZipFile). */
export const Base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);
