import { readFile } from "node:fs/promises";
import path from "node:path";

import { CliUsageError, parseCliArgs, USAGE } from "@/emulators/dps/cli-args";
import {
  DEFAULT_DATA_DIR,
  DEMO_ENROLLMENT_GROUP_ID,
  EmulatorConfigError,
  startDpsEmulator,
} from "@/emulators/dps";

/** Bad arguments or configuration: one line, no stack, exit code 2 (the caller can fix and rerun). */
function refuse(message: string): never {
  process.stderr.write(`dps-emulator: ${message}\n`);
  process.exit(2);
}

async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    refuse(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    refuse(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliUsageError) refuse(error.message);
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = options.configFile === undefined ? undefined : await readConfigFile(options.configFile);
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const log = (message: string) => process.stderr.write(`dps-emulator: ${message}\n`);

  let emulator;
  try {
    emulator = await startDpsEmulator({
      config,
      port: options.port,
      host: options.host,
      dataDir,
      log,
      iotHub: { mqttPort: options.hubMqttPort, httpsPort: options.hubHttpsPort },
    });
  } catch (error) {
    if (error instanceof EmulatorConfigError) refuse(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      refuse(
        `cannot listen on ${options.host ?? "127.0.0.1"} (ports ${[options.port, options.hubMqttPort, options.hubHttpsPort].filter((port) => port !== undefined).join(", ") || "default"}): ${code}`,
      );
    }
    throw error;
  }

  process.stdout.write(
    `${JSON.stringify({
      event: "ready",
      url: emulator.url,
      caFile: emulator.caFile,
      idScope: emulator.idScope,
      iotHub: {
        address: emulator.iotHub.connection.address,
        mqttPort: emulator.iotHub.connection.mqttPort,
        httpsPort: emulator.iotHub.connection.httpsPort,
        caFile: emulator.iotHub.connection.caFile,
      },
    })}\n`,
  );
  for (const hub of emulator.iotHub.connection.hubs)
    log(`IoT hub ${hub.hostName}: ${hub.ownerConnectionString}`);
  if (config === undefined) {
    const group = emulator.config.enrollmentGroups.find(
      (candidate) => candidate.enrollmentGroupId === DEMO_ENROLLMENT_GROUP_ID,
    );
    log(`demo enrollment group "${DEMO_ENROLLMENT_GROUP_ID}" (keys kept in ${dataDir}):`);
    log(`  primary key   ${group?.primaryKey}`);
    log(`  secondary key ${group?.secondaryKey}`);
  }

  let signalled = false;
  const shutDown = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(130);
    signalled = true;
    log(`${signal}: saving registrations and stopping`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutDown);
  process.on("SIGTERM", shutDown);
}

main().catch((error: unknown) => {
  process.stderr.write(`dps-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
