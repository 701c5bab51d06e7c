import { beforeEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/lib/database";
import { auditLog, integrations } from "@/db/schema";
import { truncate } from "@/tests/support/db";
import { signInAs as signIn, signOut } from "@/tests/support/session";
import { encryptSecret, envelopeKeyId, parseKek } from "@/lib/secrets/envelope";
import { integrationKeyContext } from "@/lib/secrets/encrypted-columns";
import type { DpsIntegrationFormInput } from "@/lib/integrations/azure-dps/schema";
import { dpsIntegrationSchema } from "@/lib/integrations/azure-dps/schema";
import type { DpsHealth } from "@/lib/provisioning/types";

const provisioning = vi.hoisted(() => ({
  calls: [] as unknown[],
  fail: false,
  health: { state: "available" } as DpsHealth,
  resumed: 0,
}));
vi.mock("@/lib/auth/session-source", () => import("@/tests/support/session"));
vi.mock("@/lib/provisioning", () => ({
  getDpsHealth: async () => provisioning.health,
  noteIntegrationChanged: () => {},
  resumeAfterKeyAccepted: async () => {
    provisioning.resumed += 1;
    return true;
  },
  requestProvisioningOfUnassigned: async (actor: unknown) => {
    provisioning.calls.push(actor);
    if (provisioning.fail) throw new Error("queue is down");
    return { queued: 0 };
  },
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/headers", () => ({ headers: async () => new Headers() }));

const { AccessDeniedError } = await import("@/lib/auth/current-user");
const { getDpsIntegration, saveDpsIntegration, disconnectDpsIntegration } = await import("./integration-dal");
const { testDpsConnection } = await import("./connection-test-dal");
const { loadDpsCredentials, recordDpsCallOutcome } = await import("./credentials");
const { saveDpsIntegrationAction } = await import("@/lib/actions/save-dps-integration");
const { disconnectDpsIntegrationAction } = await import("@/lib/actions/disconnect-dps-integration");
const { testDpsConnectionAction } = await import("@/lib/actions/test-dps-connection");

const PRIMARY = Buffer.alloc(32, 0x11).toString("base64");
const SECONDARY = Buffer.alloc(32, 0x22).toString("base64");
const NEXT_PRIMARY = Buffer.alloc(32, 0x33).toString("base64");

const connectForm = (overrides: Partial<DpsIntegrationFormInput> = {}): DpsIntegrationFormInput => ({
  mode: "connect",
  version: 0,
  idScope: "0ne00A1B2C3",
  primaryKey: PRIMARY,
  host: "global.azure-devices-provisioning.net",
  secondaryKey: "",
  registrationsPerMinute: 1000,
  ...overrides,
});
const parse = (form: DpsIntegrationFormInput) => dpsIntegrationSchema.parse(form);

async function storedRow() {
  const [row] = await getDb().select().from(integrations).where(eq(integrations.id, "azure-dps"));
  return row!;
}

async function audits(action: string) {
  return getDb().select().from(auditLog).where(eq(auditLog.action, action));
}

beforeEach(async () => {
  await truncate("audit_log", "integrations", "users");
  signOut();
  provisioning.calls = [];
  provisioning.fail = false;
});

describe("permissions", () => {
  it("refuses every function without a session", async () => {
    await expect(getDpsIntegration()).rejects.toMatchObject({ reason: "unauthenticated" });
    await expect(saveDpsIntegration(parse(connectForm()))).rejects.toMatchObject({
      reason: "unauthenticated",
    });
    await expect(testDpsConnection({ mode: "stored" })).rejects.toMatchObject({ reason: "unauthenticated" });
    await expect(disconnectDpsIntegration({ version: 0 })).rejects.toMatchObject({
      reason: "unauthenticated",
    });
  });

  it.each(["support", "operator"] as const)(
    "lets a %s user see the tile but not connect, test or disconnect",
    async (role) => {
      await signIn(role);
      await expect(getDpsIntegration()).resolves.toMatchObject({ state: "not-connected" });
      await expect(saveDpsIntegration(parse(connectForm()))).rejects.toBeInstanceOf(AccessDeniedError);
      await expect(testDpsConnection({ mode: "stored" })).rejects.toMatchObject({
        reason: "forbidden",
        permission: "integration.manage",
      });
      await expect(disconnectDpsIntegration({ version: 0 })).rejects.toMatchObject({ reason: "forbidden" });
      expect(await getDb().select().from(integrations)).toHaveLength(0);
      expect(provisioning.calls).toHaveLength(0);
    },
  );

  it("answers a support user's save action with a refusal, audits it as denied and changes nothing", async () => {
    const support = await signIn("support");
    const result = await saveDpsIntegrationAction(connectForm());
    expect(result).toEqual({ ok: false, message: "You do not have permission to do this." });
    const [denied] = await audits("integration.connect");
    expect(denied).toMatchObject({ outcome: "denied", actorEmail: support.email });
    expect(await getDb().select().from(integrations)).toHaveLength(0);
    expect(await disconnectDpsIntegrationAction({ version: 0 })).toMatchObject({
      ok: false,
      message: "You do not have permission to do this.",
    });
    expect(await testDpsConnectionAction({ mode: "stored" })).toMatchObject({
      ok: false,
      message: "You do not have permission to do this.",
    });
  });
});

describe("connect, edit and disconnect", () => {
  it("connects: stores the keys only encrypted, shows only 'configured', audits without the key, starts provisioning once", async () => {
    const admin = await signIn("admin");
    const result = await saveDpsIntegrationAction(
      connectForm({ secondaryKey: SECONDARY, registrationsPerMinute: "600" }),
    );
    expect(result).toEqual({
      ok: true,
      message: "Azure DPS is connected. Devices not yet on a hub are being provisioned.",
    });

    const row = await storedRow();
    expect(row.primaryKeyCiphertext).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(JSON.stringify(row)).not.toContain(PRIMARY);
    expect(JSON.stringify(row)).not.toContain(SECONDARY);

    const dto = await getDpsIntegration();
    expect(dto).toMatchObject({
      state: "connected",
      idScope: "0ne00A1B2C3",
      host: "global.azure-devices-provisioning.net",
      registrationsPerMinute: 600,
      primaryKeyConfigured: true,
      secondaryKeyConfigured: true,
      updatedBy: admin.email,
      version: 1,
    });
    for (const secret of [PRIMARY, SECONDARY, row.primaryKeyCiphertext!, row.secondaryKeyCiphertext!])
      expect(JSON.stringify(dto)).not.toContain(secret);

    await expect(loadDpsCredentials()).resolves.toEqual({
      idScope: "0ne00A1B2C3",
      host: "global.azure-devices-provisioning.net",
      primaryKey: PRIMARY,
      secondaryKey: SECONDARY,
      registrationsPerMinute: 600,
      operationsPerMinute: 1000,
      version: 1,
    });

    const [audit] = await audits("integration.connect");
    expect(audit).toMatchObject({
      outcome: "success",
      actorEmail: admin.email,
      target: "azure-dps",
      detail: { primaryKey: "added", secondaryKey: "added", idScope: "0ne00A1B2C3" },
    });
    expect(JSON.stringify(audit)).not.toContain(PRIMARY);
    expect(provisioning.calls).toEqual([{ id: admin.id, email: admin.email }]);
  });

  it("edits with an empty key field and keeps the stored keys", async () => {
    await signIn("admin");
    await saveDpsIntegration(parse(connectForm({ secondaryKey: SECONDARY })));
    const before = await storedRow();
    await saveDpsIntegration(
      parse(
        connectForm({ mode: "edit", version: 1, primaryKey: "", secondaryKey: "", idScope: "0ne00FFFFFF" }),
      ),
    );
    const after = await storedRow();
    expect(after.primaryKeyCiphertext).toBe(before.primaryKeyCiphertext);
    expect(after.secondaryKeyCiphertext).toBe(before.secondaryKeyCiphertext);
    expect(after).toMatchObject({ idScope: "0ne00FFFFFF", version: 2 });
    const [audit] = await audits("integration.update");
    expect(audit?.detail).toMatchObject({ primaryKey: "kept", secondaryKey: "kept" });
    expect(provisioning.calls).toHaveLength(2);
  });

  it("replaces the primary key and removes the stored secondary key on request", async () => {
    await signIn("admin");
    await saveDpsIntegration(parse(connectForm({ secondaryKey: SECONDARY })));
    await saveDpsIntegration(
      parse(connectForm({ mode: "edit", version: 1, primaryKey: NEXT_PRIMARY, removeSecondaryKey: true })),
    );
    await expect(loadDpsCredentials()).resolves.toMatchObject({
      primaryKey: NEXT_PRIMARY,
      secondaryKey: null,
    });
    expect((await getDpsIntegration()).secondaryKeyConfigured).toBe(false);
    const [audit] = await audits("integration.update");
    expect(audit?.detail).toMatchObject({ primaryKey: "replaced", secondaryKey: "removed" });
  });

  it("refuses to keep a key when none is stored", async () => {
    await signIn("admin");
    const result = await saveDpsIntegrationAction(connectForm({ mode: "edit", primaryKey: "" }));
    expect(result).toMatchObject({
      ok: false,
      fieldErrors: { primaryKey: ["Enter the enrollment group key: no key is stored yet."] },
    });
    expect((await storedRow()).primaryKeyCiphertext).toBeNull();
  });

  it("refuses the second of two administrators saving at once, naming who changed it and when", async () => {
    const first = await signIn("admin", "first@example.com");
    await saveDpsIntegration(parse(connectForm()));
    const loadedVersion = (await getDpsIntegration()).version;

    // Both open Edit at the same version; the first saves.
    await saveDpsIntegration(
      parse(connectForm({ mode: "edit", version: loadedVersion, primaryKey: "", idScope: "0ne00000001" })),
    );
    await signIn("admin", "second@example.com");
    const result = await saveDpsIntegrationAction(
      connectForm({ mode: "edit", version: loadedVersion, primaryKey: NEXT_PRIMARY, idScope: "0ne00000002" }),
    );

    expect(result.ok).toBe(false);
    const message = !result.ok ? result.message : "";
    expect(message).toMatch(
      /^The Azure DPS integration was changed by first@example\.com at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC meanwhile — reload to see their values\./,
    );
    expect(!result.ok && result.fieldErrors?.version).toEqual([message]);
    const row = await storedRow();
    expect(row).toMatchObject({ idScope: "0ne00000001", updatedByEmail: first.email });
    await expect(loadDpsCredentials()).resolves.toMatchObject({ primaryKey: PRIMARY });
  });

  it("disconnects: deletes the keys, keeps ID Scope and hostname, stops handing out credentials", async () => {
    const admin = await signIn("admin");
    await saveDpsIntegration(parse(connectForm({ secondaryKey: SECONDARY })));
    const result = await disconnectDpsIntegrationAction({ version: 1 });
    expect(result).toMatchObject({ ok: true });
    const row = await storedRow();
    expect(row).toMatchObject({
      primaryKeyCiphertext: null,
      secondaryKeyCiphertext: null,
      idScope: "0ne00A1B2C3",
      host: "global.azure-devices-provisioning.net",
    });
    await expect(loadDpsCredentials()).resolves.toBeNull();
    expect(await getDpsIntegration()).toMatchObject({
      state: "not-connected",
      idScope: "0ne00A1B2C3",
      primaryKeyConfigured: false,
    });
    const [audit] = await audits("integration.disconnect");
    expect(audit).toMatchObject({
      outcome: "success",
      actorEmail: admin.email,
      detail: { keysDeleted: ["primary", "secondary"] },
    });
    expect(await disconnectDpsIntegrationAction({ version: 2 })).toEqual({
      ok: false,
      message: "Azure DPS is not connected.",
    });
  });

  it("refuses a disconnect made from a stale page", async () => {
    await signIn("admin");
    await saveDpsIntegration(parse(connectForm()));
    await saveDpsIntegration(parse(connectForm({ mode: "edit", version: 1, primaryKey: "" })));
    expect(await disconnectDpsIntegrationAction({ version: 1 })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/changed by .* meanwhile/),
    });
    expect((await storedRow()).primaryKeyCiphertext).not.toBeNull();
  });

  it("saves even when the provisioning engine cannot be asked, and says so", async () => {
    await signIn("admin");
    provisioning.fail = true;
    const result = await saveDpsIntegrationAction(connectForm());
    expect(result).toMatchObject({
      ok: true,
      message: expect.stringMatching(/Provisioning could not be started now/),
    });
    expect((await storedRow()).primaryKeyCiphertext).not.toBeNull();
  });
});

describe("tile health", () => {
  async function connected() {
    await signIn("admin");
    await saveDpsIntegration(parse(connectForm()));
  }

  it("needs attention after one unauthorized call, and is connected again after a success", async () => {
    await connected();
    await recordDpsCallOutcome({ ok: false, kind: "unauthorized::401:401002", message: "Unauthorized" });
    const dto = await getDpsIntegration();
    expect(dto.state).toBe("needs-attention");
    expect(dto.lastFailure?.explanation.title).toBe("DPS rejected the ID Scope or the key");
    await recordDpsCallOutcome({ ok: true, summary: "Registered device-1 on hub-a" });
    expect(await getDpsIntegration()).toMatchObject({
      state: "connected",
      lastSuccess: { summary: "Registered device-1 on hub-a" },
      consecutiveFailures: 0,
    });
  });

  it("says DPS is unreachable, not that an administrator must act, while the engine waits for DPS", async () => {
    await connected();
    await recordDpsCallOutcome({ ok: false, kind: "unreachable:refused", message: "ECONNREFUSED" });
    provisioning.health = {
      state: "unreachable",
      since: "2026-01-01T10:00:00.000Z",
      nextCheckAt: "2026-01-01T10:00:03.000Z",
      lastError: "unreachable:refused",
    };
    try {
      expect(await getDpsIntegration()).toMatchObject({
        state: "unreachable",
        attention: null,
        dps: { state: "unreachable", nextCheckAt: "2026-01-01T10:00:03.000Z" },
      });
    } finally {
      provisioning.health = { state: "available" };
    }
  });

  it("needs attention, with the refused key as the cause, while DPS refuses the stored key", async () => {
    await connected();
    provisioning.health = {
      state: "key-refused",
      since: "2026-01-01T10:00:00.000Z",
      lastError: "unauthorized::401:401002",
    };
    try {
      expect(await getDpsIntegration()).toMatchObject({
        state: "needs-attention",
        attention: { cause: "key-refused", message: expect.stringMatching(/devices stay Pending/) },
      });
    } finally {
      provisioning.health = { state: "available" };
    }
  });

  it("needs attention after three passing failures in a row, not after two", async () => {
    await connected();
    await recordDpsCallOutcome({ ok: false, kind: "transient:timeout", message: "No answer" });
    await recordDpsCallOutcome({ ok: false, kind: "transient:timeout", message: "No answer" });
    expect((await getDpsIntegration()).state).toBe("connected");
    await recordDpsCallOutcome({ ok: false, kind: "throttled", message: "Too many requests" });
    expect(await getDpsIntegration()).toMatchObject({
      state: "needs-attention",
      consecutiveFailures: 3,
      attention: { cause: "failure", message: "The last 3 DPS calls failed." },
    });
  });

  it("starts with a clean slate after the settings are saved again", async () => {
    await connected();
    await recordDpsCallOutcome({ ok: false, kind: "unauthorized", message: "Unauthorized" });
    await saveDpsIntegration(parse(connectForm({ mode: "edit", version: 1, primaryKey: NEXT_PRIMARY })));
    const dto = await getDpsIntegration();
    expect(dto.state).toBe("connected");
    expect(dto.lastFailure?.explanation.title).toBe("DPS rejected the ID Scope or the key");
  });

  it("needs attention when the stored key was saved under another HIC_SECRET_KEY", async () => {
    await connected();
    const other = parseKek(Buffer.alloc(32, 99).toString("base64"));
    await getDb()
      .update(integrations)
      .set({
        primaryKeyCiphertext: encryptSecret(PRIMARY, other, integrationKeyContext("azure-dps", "primary")),
      })
      .where(eq(integrations.id, "azure-dps"));
    expect(await getDpsIntegration()).toMatchObject({
      state: "needs-attention",
      attention: { cause: "stored-key", message: expect.stringMatching(`key id ${other.id}`) },
    });
    await expect(loadDpsCredentials()).rejects.toThrow(/encrypted under another HIC_SECRET_KEY/);
    const keep = await saveDpsIntegrationAction(connectForm({ mode: "edit", version: 1, primaryKey: "" }));
    expect(keep).toMatchObject({
      ok: false,
      fieldErrors: { primaryKey: [expect.stringMatching(/Enter the enrollment group key again/)] },
    });
    expect(
      await saveDpsIntegrationAction(connectForm({ mode: "edit", version: 1, primaryKey: PRIMARY })),
    ).toMatchObject({ ok: true });
    expect(envelopeKeyId((await storedRow()).primaryKeyCiphertext!)).not.toBe(other.id);
  });
});
