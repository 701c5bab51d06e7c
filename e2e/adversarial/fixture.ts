import { randomUUID } from "node:crypto";
import { ensureUser, sql } from "../support/db";
import { ADMIN, OPERATOR, SUPPORT } from "../support/accounts";
import { CALLERS, type Caller, type Context } from "./expectations";
import { encodeActionArgs, postAction, settle, signIn, type Session } from "./http";
import { serverActionIds } from "./surface";
import { emulatorConnection } from "../support/emulator";

/**
 * Connects Azure DPS, with the owner's service connection string, to the run's local emulator
 * through the app's own save action, so every DPS-side action the matrix allows really reaches
 * DPS (a disconnected app would stop each of them at "not configured").
 */
async function connectToEmulator(admin: Session): Promise<void> {
  const { idScope, groupKey, host, serviceConnectionString } = emulatorConnection();
  const [row] = await sql<{ version: number; connected: boolean }>(
    "select version, primary_key_ciphertext is not null as connected from integrations limit 1",
  );
  const save = serverActionIds().get("lib/actions/save-dps-integration.ts#saveDpsIntegrationAction");
  if (!save) throw new Error("The build has no id for saveDpsIntegrationAction.");
  const reply = await postAction(
    admin,
    save.pagePattern,
    save.id,
    encodeActionArgs([
      {
        mode: row?.connected ? "edit" : "connect",
        version: row?.version ?? 0,
        idScope,
        primaryKey: groupKey,
        host,
        secondaryKey: "",
        registrationsPerMinute: "1000",
        serviceConnectionString,
      },
    ]),
  );
  const [after] = await sql<{ ok: boolean }>(
    "select primary_key_ciphertext is not null and service_key_ciphertext is not null as ok from integrations limit 1",
  );
  if (!after?.ok)
    throw new Error(
      `Could not connect DPS to the emulator: HTTP ${reply.status} ${reply.text.slice(0, 300)}`,
    );
  await settle();
}

export const PASSWORD = "adversarial-password-1";

/**
 * The suite's own accounts (one per role), a victim user and a victim device for the actions to
 * aim at, so nothing the other end-to-end flows rely on is touched.
 */
export async function setUpFixture(run: string): Promise<{
  ctx: Context;
  sessions: Map<Caller, Session | null>;
  relogin: (caller: Caller) => Promise<void>;
  cleanUp: () => Promise<void>;
}> {
  const [{ now: started }] = (await sql<{ now: Date }>("select now()")) as [{ now: Date }];
  const emails: Record<Exclude<Caller, "anonymous">, string> = {
    support: `adv-support-${run}@example.com`,
    operator: `adv-operator-${run}@example.com`,
    admin: `adv-admin-${run}@example.com`,
  };
  for (const [role, email] of Object.entries(emails))
    await ensureUser(email, PASSWORD, role as keyof typeof emails);
  const victim = `adv-victim-${run}@example.com`;
  await ensureUser(victim, PASSWORD, "support");
  const [user] = await sql<{ id: string }>("select id from users where email = $1", [victim]);
  const [device] = await sql<{ id: string }>(
    "insert into devices (registration_id, created_by_email) values ($1, 'adversarial') returning id",
    [`adv-victim-${run}`],
  );
  const [report] = await sql<{ id: string }>(
    "insert into device_imports (created_by_email, file_name, status, total, added, duplicates, refused, finished_at) values ('adversarial', 'victim.csv', 'complete', 0, 0, 0, 0, now()) returning id",
  );
  let seq = 0;
  const ctx: Context = {
    run,
    next: () => ++seq,
    victimUserId: user!.id,
    victimDeviceId: Number(device!.id),
    victimImportId: Number(report!.id),
  };
  const sessions = new Map<Caller, Session | null>();
  const relogin = async (caller: Caller) => {
    sessions.set(caller, caller === "anonymous" ? null : await signIn(emails[caller], PASSWORD));
  };
  for (const caller of CALLERS) await relogin(caller);
  await connectToEmulator(sessions.get("admin")!);
  const cleanUp = async () => {
    await sql("delete from sign_in_throttle");
    // Whatever the allowed calls and the fuzzer did must not leak into the other flows.
    await sql("update provisioning_control set paused = false");
    await sql("delete from devices where created_at >= $1 or registration_id like 'adv-%'", [started]);
    await sql("delete from device_imports where created_at >= $1", [started]);
    await sql(
      "delete from users where (created_at >= $1 or email like 'adv-%') and email <> all($2::text[])",
      [started, [ADMIN.email, OPERATOR.email, SUPPORT.email]],
    );
  };
  return { ctx, sessions, relogin, cleanUp };
}

export const runId = () => randomUUID().slice(0, 8);
