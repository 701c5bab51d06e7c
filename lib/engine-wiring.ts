import { provideEngineDomains, type EngineDomains } from "@/lib/provisioning/domains";

/**
 * Where the domains meet the provisioning engine: the engine (lib/provisioning) imports no domain,
 * so each process hands it what it needs from them here, once, at its start: instrumentation.ts
 * (the web server), scripts/worker.ts and the launcher (scripts/start.ts), the benchmarks' engine
 * child and the tests' set-up. A new domain that gives the engine work (IoT hubs) adds its part to
 * `domains` below.
 *
 * Each domain module is loaded on first use, not when the process wires the engine: wiring then
 * costs nothing, and happens before anything else without loading the domains' code ahead of the
 * configuration (or, in tests, ahead of the modules a test replaces).
 */
const credentials = () => import("@/lib/integrations/azure-dps/credentials");

/** A service credential that cannot be decrypted is logged and treated as absent: the work reports why it could not run. */
async function serviceCredentialsOrNull() {
  try {
    return await (await credentials()).loadDpsServiceCredentials();
  } catch (error) {
    const { logger } = await import("@/lib/logger");
    logger.error(
      { err: { name: (error as Error).name, message: (error as Error).message } },
      "cannot load the DPS service credential",
    );
    return null;
  }
}

/** The hubs' registry, with the credentials saved for each hub (removals and old-hub cleanups write to it). */
async function hubRegistryAccess() {
  const [{ hubRegistryClient }, { loadHubConnection }] = await Promise.all([
    import("@/lib/iot-hub/service"),
    import("@/lib/hubs/hub-credentials-store"),
  ]);
  return { hubClient: hubRegistryClient(), loadHub: loadHubConnection };
}

const domains: EngineDomains = {
  loadDpsCredentials: async () => (await credentials()).loadDpsCredentials(),
  recordDpsCallOutcome: async (outcome) => (await credentials()).recordDpsCallOutcome(outcome),

  async reconcileSlice({ pool, serviceClient, signal }, runId, owner) {
    const { runReconciliationSlice } = await import("@/lib/registrations/reconcile");
    return runReconciliationSlice(
      { pool, serviceClient, loadCredentials: serviceCredentialsOrNull, signal },
      runId,
      owner,
    );
  },

  async removeDevices({ pool, serviceClient, signal }, removals) {
    const [{ removeDeviceInSteps }, hubs] = await Promise.all([
      import("@/lib/devices/removal"),
      hubRegistryAccess(),
    ]);
    const credentials = removals.some((removal) => removal.choice === "clean")
      ? await serviceCredentialsOrNull()
      : null;
    for (const { deviceId, choice, leaveUncleanable, actor } of removals) {
      if (signal.aborted) throw new Error("the worker is stopping; the queue hands the rest out again");
      await removeDeviceInSteps({ pool, serviceClient, credentials, ...hubs, signal }, deviceId, {
        choice,
        leaveUncleanable,
        actor,
        bulk: true,
      });
    }
  },

  async cleanMovedHubs({ pool, signal }) {
    const [{ cleanMovedHubs }, hubs] = await Promise.all([
      import("@/lib/hubs/move-cleanup"),
      hubRegistryAccess(),
    ]);
    return cleanMovedHubs({ pool, ...hubs, signal });
  },

  async serviceHousekeeping({ pool, serviceClient, signal }) {
    const [{ refreshServiceCheckIfDue }, { findStalledRuns }, { findStalledDriftRuns }] = await Promise.all([
      import("@/lib/integrations/azure-dps/service-refresh"),
      import("@/lib/registrations/run-lease"),
      import("@/lib/hubs/drift/drift-store"),
    ]);
    await refreshServiceCheckIfDue(serviceClient, undefined, signal);
    return {
      stalledReconciliations: await findStalledRuns(pool),
      stalledHubDrifts: await findStalledDriftRuns(pool),
    };
  },

  // Hub drift: each hub read with its saved credentials, through the app's registry client.
  async hubDriftSlice({ pool, signal }, runId, owner) {
    const [{ runDriftSlice }, { loadHubConnection }, { hubRegistryClient }] = await Promise.all([
      import("@/lib/hubs/drift/drift-slice"),
      import("@/lib/hubs/hub-credentials-store"),
      import("@/lib/iot-hub/service"),
    ]);
    const client = hubRegistryClient();
    return runDriftSlice(
      {
        pool,
        signal,
        loadHubConnection,
        queryIdentities: (connection, page, pageSignal) =>
          client.queryIdentities(connection, page, pageSignal),
      },
      runId,
      owner,
    );
  },

  async readHubIdentityStatus(hubHost, deviceId, signal) {
    const { readHubIdentityStatus } = await import("@/lib/hubs/hub-identity-status");
    return readHubIdentityStatus(hubHost, deviceId, signal);
  },
};

/** Hands the engine its domains; idempotent, so every entry point may call it. */
export function wireEngine(): void {
  provideEngineDomains(domains);
}
