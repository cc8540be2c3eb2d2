/** API Gateway events shaped as Tencent sends them (contract §3). */
import { randomUUID } from "node:crypto";

export interface EventInput {
  method?: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  base64?: boolean;
  sourceIp?: string;
}

export function apiEvent(input: EventInput) {
  const method = input.method ?? "GET";
  const text =
    input.body === undefined ? undefined : typeof input.body === "string" ? input.body : JSON.stringify(input.body);
  const requestId = randomUUID();
  return {
    httpMethod: method,
    path: input.path,
    headers: {
      "content-type": "application/json",
      host: "service-x.gz.apigw.tencentcs.com",
      "x-api-requestid": `apigw-${requestId}`,
      ...input.headers,
    },
    body: text === undefined ? undefined : input.base64 ? Buffer.from(text).toString("base64") : text,
    isBase64Encoded: input.base64 === true,
    queryString: {},
    queryStringParameters: {},
    pathParameters: {},
    headerParameters: {},
    requestContext: {
      serviceId: "service-x",
      path: input.path,
      httpMethod: "ANY",
      requestId,
      sourceIp: input.sourceIp ?? "203.0.113.7",
      stage: "release",
      identity: {},
    },
  };
}

export const scfContext = () => ({ request_id: randomUUID(), callbackWaitsForEmptyEventLoop: true });

/** The parsed JSON body of an integrated response. */
export function bodyOf(res: { body: string }): Record<string, unknown> {
  return JSON.parse(res.body) as Record<string, unknown>;
}
