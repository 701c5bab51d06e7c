import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export const HUB_KEYS_FILE = "iot-hub-keys.json";

export type HubRight = "RegistryRead" | "RegistryWrite" | "ServiceConnect" | "DeviceConnect";

/** IoT Hub's built-in shared access policies and their permissions. */
export const BUILT_IN_POLICIES: Record<string, readonly HubRight[]> = {
  iothubowner: ["RegistryRead", "RegistryWrite", "ServiceConnect", "DeviceConnect"],
  service: ["ServiceConnect"],
  device: ["DeviceConnect"],
  registryRead: ["RegistryRead"],
  registryReadWrite: ["RegistryRead", "RegistryWrite"],
};

export type HubPolicy = {
  name: string;
  primaryKey: string;
  secondaryKey: string;
  rights: readonly HubRight[];
};
type KeyPair = { primaryKey: string; secondaryKey: string };
type StoredKeys = Record<string, Record<string, KeyPair>>;

const newPair = (): KeyPair => ({
  primaryKey: randomBytes(32).toString("base64"),
  secondaryKey: randomBytes(32).toString("base64"),
});

function isKeyPair(value: unknown): value is KeyPair {
  const keys = value as Partial<KeyPair> | null;
  return typeof keys?.primaryKey === "string" && typeof keys.secondaryKey === "string";
}

/**
 * The policy keys of every hub, generated once per data directory (mode 600) so connection strings
 * stay valid across restarts; a hub seen for the first time gets new keys.
 */
export class HubPolicyKeys {
  private constructor(
    private readonly file: string,
    private readonly keys: StoredKeys,
  ) {}

  static async open(dataDir: string): Promise<HubPolicyKeys> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, HUB_KEYS_FILE);
    let keys: StoredKeys = {};
    try {
      const parsed = JSON.parse(await readFile(file, "utf8")) as unknown;
      if (typeof parsed === "object" && parsed !== null) keys = parsed as StoredKeys;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
    }
    return new HubPolicyKeys(file, keys);
  }

  /** Makes sure every hub in `hubs` has keys for every built-in policy; writes the file when any were added. */
  async ensure(hubs: readonly string[]): Promise<void> {
    if (!this.fill(hubs)) return;
    await writeFile(this.file, `${JSON.stringify(this.keys, null, 2)}\n`, { mode: 0o600 });
    await chmod(this.file, 0o600);
  }

  /** Synchronous variant for a hub that appears at runtime; the keys are written in the background. */
  ensureNow(hub: string): void {
    if (!this.fill([hub])) return;
    void writeFile(this.file, `${JSON.stringify(this.keys, null, 2)}\n`, { mode: 0o600 }).catch(() => {});
  }

  private fill(hubs: readonly string[]): boolean {
    let changed = false;
    for (const hub of hubs.map((name) => name.toLowerCase())) {
      const entry = (this.keys[hub] ??= {});
      for (const name of Object.keys(BUILT_IN_POLICIES)) {
        if (!isKeyPair(entry[name])) {
          entry[name] = newPair();
          changed = true;
        }
      }
    }
    return changed;
  }

  policies(hub: string): HubPolicy[] {
    this.ensureNow(hub);
    const entry = this.keys[hub.toLowerCase()]!;
    return Object.entries(BUILT_IN_POLICIES).map(([name, rights]) => ({ name, rights, ...entry[name]! }));
  }

  policy(hub: string, name: string): HubPolicy | undefined {
    return this.policies(hub).find((policy) => policy.name.toLowerCase() === name.toLowerCase());
  }

  /** Replaces one key of a policy (the portal's "Regenerate primary key"). */
  async regenerate(hub: string, name: string, which: "primary" | "secondary"): Promise<HubPolicy> {
    const policy = this.policy(hub, name);
    if (policy === undefined) throw new Error(`no policy ${name}`);
    const entry = this.keys[hub.toLowerCase()]![policy.name]!;
    entry[which === "primary" ? "primaryKey" : "secondaryKey"] = randomBytes(32).toString("base64");
    await writeFile(this.file, `${JSON.stringify(this.keys, null, 2)}\n`, { mode: 0o600 });
    return this.policy(hub, name)!;
  }

  connectionString(hub: string, name: string): string {
    const policy = this.policy(hub, name)!;
    return `HostName=${hub};SharedAccessKeyName=${policy.name};SharedAccessKey=${policy.primaryKey}`;
  }
}
