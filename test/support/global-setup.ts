import "vitest";
import type { TestProject } from "vitest/node";
import { RedisCluster, RedisServer } from "./redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    /** REDIS_MODE for the functions under test: TEST_REDIS_MODE=cluster runs the suites on a cluster. */
    redisMode: "standalone" | "cluster";
  }
}

let server: { stop(): Promise<void> } | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.TEST_REDIS_MODE === "cluster") {
    const cluster = await RedisCluster.start();
    server = cluster;
    project.provide("redisUrl", cluster.url);
    project.provide("redisMode", "cluster");
  } else {
    const single = await RedisServer.start();
    server = single;
    project.provide("redisUrl", single.url);
    project.provide("redisMode", "standalone");
  }
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
