import { test, expect } from "@playwright/test";
import { connect } from "node:net";
import { Agent } from "undici";
import { sql } from "../support/db";
import { BASE_URL, request } from "./http";
import { runId, setUpFixture } from "./fixture";

/**
 * Uploads that must never pass for a finished import: one over HIC_IMPORT_MAX_BYTES (the test app
 * runs with a small cap), announced or streamed, and one the client cuts off half-way.
 */
const CAP = Number(process.env.E2E_IMPORT_MAX_BYTES);

function csv(prefix: string, bytes: number): string {
  const lines = ["registrationId,name,payload"];
  let size = lines[0]!.length + 1;
  for (let i = 0; size < bytes; i++) {
    const line = `${prefix}-${String(i).padStart(7, "0")},,`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

async function devicesWithPrefix(prefix: string): Promise<number> {
  const [row] = await sql<{ n: string }>("select count(*) as n from devices where registration_id like $1", [
    `${prefix}-%`,
  ]);
  return Number(row!.n);
}

test.describe("CSV uploads that stop early", () => {
  test.describe.configure({ mode: "serial" });
  const run = runId();
  let fixture: Awaited<ReturnType<typeof setUpFixture>>;

  test.beforeAll(async () => {
    expect(CAP, "the test app runs with a small HIC_IMPORT_MAX_BYTES").toBeGreaterThan(0);
    fixture = await setUpFixture(run);
  });
  test.afterAll(async () => {
    await fixture?.cleanUp();
  });

  test("an upload announced larger than the cap gets 413 before anything is read", async () => {
    const prefix = `advcap-${run}`;
    const response = await request(`${BASE_URL}/api/devices/import`, {
      method: "POST",
      headers: { Cookie: fixture.sessions.get("operator")!.cookie, "Content-Type": "text/csv" },
      body: csv(prefix, CAP + 100_000),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /HIC_IMPORT_MAX_BYTES[\s\S]*No devices were added/,
    );
    expect(await devicesWithPrefix(prefix)).toBe(0);
  });

  test("a streamed upload that grows past the cap gets 413, and the devices added are exactly those it reports", async () => {
    const prefix = `advstream-${run}`;
    const text = csv(prefix, CAP + 200_000);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = Buffer.from(text);
        for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.subarray(i, i + 16_384));
        controller.close();
      },
    });
    // Its own connection pool: the server closes a connection whose upload it stopped reading.
    const dispatcher = new Agent();
    const response = await request(`${BASE_URL}/api/devices/import`, {
      method: "POST",
      headers: { Cookie: fixture.sessions.get("operator")!.cookie, "Content-Type": "text/csv" },
      body,
      duplex: "half",
      dispatcher,
    } as RequestInit);
    expect(response.status).toBe(413);
    const json = (await response.json()) as {
      ok: boolean;
      message: string;
      summary: { importId: number; status: string; added: number; total: number };
    };
    expect(json).toMatchObject({ ok: false, summary: { status: "cut-short" } });
    expect(json.message).toMatch(/HIC_IMPORT_MAX_BYTES/);
    expect(await devicesWithPrefix(prefix)).toBe(json.summary.added);
    const [row] = await sql<{ status: string; stop_reason: string; added: number }>(
      "select status, stop_reason, added from device_imports where id = $1",
      [json.summary.importId],
    );
    expect(row).toMatchObject({ status: "cut-short", stop_reason: "too-large", added: json.summary.added });
    await dispatcher.close();
  });

  test("an upload the client cuts off half-way is recorded as cut short, and its partial last line is not a device", async () => {
    const prefix = `advcut-${run}`;
    const full = csv(prefix, 120_000);
    const cutAt = full.indexOf("\n", 60_000) + 8; // a few bytes into a line
    const partialId = full.slice(full.lastIndexOf("\n", cutAt - 1) + 1, cutAt);
    const url = new URL(`${BASE_URL}/api/devices/import`);
    const [{ n: importsBefore }] = (await sql<{ n: string }>("select count(*) as n from device_imports")) as [
      { n: string },
    ];
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${fixture.sessions.get("operator")!.cookie}\r\nContent-Type: text/csv\r\nContent-Length: ${Buffer.byteLength(full)}\r\n\r\n`,
        );
        socket.write(full.slice(0, cutAt), () => setTimeout(() => (socket.destroy(), resolve()), 300));
      });
      socket.on("error", reject);
    });
    let row: { status: string; stop_reason: string; added: number } | undefined;
    await expect
      .poll(
        async () => {
          [row] = await sql<{ status: string; stop_reason: string; added: number }>(
            "select status, stop_reason, added from device_imports order by id desc limit 1 offset 0",
          );
          const [{ n }] = (await sql<{ n: string }>("select count(*) as n from device_imports")) as [
            { n: string },
          ];
          return Number(n) > Number(importsBefore) && row?.status !== "running" ? row?.status : null;
        },
        { timeout: 15_000 },
      )
      .toBe("cut-short");
    expect(row!.stop_reason).toBe("client-gone");
    expect(await devicesWithPrefix(prefix)).toBe(row!.added);
    expect(row!.added).toBeGreaterThan(0);
    const [partial] = await sql<{ n: string }>(
      "select count(*) as n from devices where registration_id = $1",
      [partialId],
    );
    expect(Number(partial!.n)).toBe(0);
  });
});
