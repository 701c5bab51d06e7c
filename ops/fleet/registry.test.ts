import { afterEach, describe, expect, it } from "vitest";
import { env } from "@/lib/env";
import { FleetRefusal, instanceFacts, joinFleet, type FleetMember } from "./registry";
import { probeReadiness } from "./readiness";
import pg from "pg";

const url = () => env().DATABASE_URL!;
const key = (fill: number) => Buffer.alloc(32, fill).toString("base64");
const SECRETS = { AUTH_SECRET: "auth", HIC_SECRET_KEY: key(1), NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key(2) };
const members: FleetMember[] = [];

async function join(...args: Parameters<typeof instanceFacts>): Promise<FleetMember> {
  const member = await joinFleet(url(), instanceFacts(...args));
  members.push(member);
  return member;
}

async function rows(): Promise<{ role: string; serving: boolean; actions_key_fingerprint: string | null }[]> {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    return (
      await client.query(
        "select role, serving, actions_key_fingerprint from fleet_instances order by started_at",
      )
    ).rows;
  } finally {
    await client.end();
  }
}

afterEach(async () => {
  await Promise.all(members.splice(0).map((m) => m.leave()));
});

describe("instances sharing one database", () => {
  it("record themselves by fingerprint only, and leave no trace when they stop", async () => {
    const a = await join("web", "hic-build-1", SECRETS);
    await a.markServing();
    const [row] = await rows();
    expect(row).toMatchObject({ role: "web", serving: true });
    expect(JSON.stringify(await rows())).not.toContain(SECRETS.NEXT_SERVER_ACTIONS_ENCRYPTION_KEY);
    expect(row!.actions_key_fingerprint).toMatch(/^[0-9a-f]{16}$/);
    await a.leave();
    members.length = 0;
    expect(await rows()).toEqual([]);
  });

  it("admit a second web server and a worker with the same keys, and refuse one with another server-actions key", async () => {
    await (await join("web", "hic-build-1", SECRETS)).markServing();
    await join("web", "hic-build-1", SECRETS);
    await join("worker", null, { HIC_SECRET_KEY: SECRETS.HIC_SECRET_KEY });
    const refused = await join("web", "hic-build-1", {
      ...SECRETS,
      NEXT_SERVER_ACTIONS_ENCRYPTION_KEY: key(9),
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FleetRefusal);
    expect((refused as Error).message).toMatch(
      /^Refusing to start: NEXT_SERVER_ACTIONS_ENCRYPTION_KEY differs from the one the running web servers use \(2 running/,
    );
    expect(await rows()).toHaveLength(3);
  });

  it("let only one of two disagreeing instances in when they start at the same moment", async () => {
    const outcomes = await Promise.allSettled([
      join("worker", null, { HIC_SECRET_KEY: key(3) }),
      join("worker", null, { HIC_SECRET_KEY: key(4) }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(
      String((outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult).reason.message),
    ).toMatch(/HIC_SECRET_KEY differs/);
  });

  it("forget an instance whose heartbeat stopped (a crash) once its record expires", async () => {
    const crashed = await joinFleet(url(), instanceFacts("worker", null, { HIC_SECRET_KEY: key(5) }), {
      heartbeatSeconds: 3600,
    });
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    await client.query("update fleet_instances set seen_at = now() - interval '1 minute' where id = $1", [
      crashed.id,
    ]);
    await client.end();
    await join("worker", null, { HIC_SECRET_KEY: key(6) });
    expect(await rows()).toHaveLength(1);
    await crashed.leave();
  });

  it("roll forward: a newer build joins, and once it serves the older build's servers turn unready and the older build cannot start again", async () => {
    const old = await join("web", "hic-build-old", SECRETS);
    await old.markServing();
    expect((await probeReadiness(url(), "hic-build-old")).checks.build).toBe("current");
    await new Promise((r) => setTimeout(r, 20)); // the newer build joins later
    const upgraded = await join("web", "hic-build-new", SECRETS);
    expect((await probeReadiness(url(), "hic-build-old")).checks.build).toBe("current"); // not serving yet
    await upgraded.markServing();
    const readiness = await probeReadiness(url(), "hic-build-old");
    expect(readiness).toMatchObject({
      ready: false,
      checks: { database: "ok", migrations: "current", build: "superseded" },
    });
    expect(await probeReadiness(url(), "hic-build-new")).toMatchObject({
      ready: true,
      checks: { build: "current" },
    });
    const refused = await join("web", "hic-build-old", SECRETS).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/build \(hic-build-old\) is older than build hic-build-new/);
  });
});

describe("readiness", () => {
  it("is ready on a current schema and reports the engine's state without anything secret", async () => {
    await (await join("all", "hic-build-1", SECRETS)).markServing();
    const readiness = await probeReadiness(url(), "hic-build-1");
    expect(readiness).toEqual({
      ready: true,
      checks: { database: "ok", migrations: "current", build: "current" },
      engine: { provisioning: "running", workers: 1 },
    });
  });

  it("is unready, quickly, when the database cannot be reached", async () => {
    const started = Date.now();
    const readiness = await probeReadiness("postgres://nobody:nothing@127.0.0.1:1/none", "hic-build-1");
    expect(readiness).toEqual({ ready: false, checks: { database: "unreachable" } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
