/** Thrown for command-line mistakes; the CLI prints the message as one line and exits with code 2. */
export class CliUsageError extends Error {
  override name = "CliUsageError";
}

export type CliOptions = {
  configFile?: string;
  port?: number;
  /** The IoT Hub emulator's ports (MQTT over TLS; HTTPS for the service API and WebSockets). */
  hubMqttPort?: number;
  hubHttpsPort?: number;
  host?: string;
  dataDir?: string;
  help: boolean;
};

export const USAGE =
  "usage: npm run dps-emulator -- [--config FILE] [--port N] [--hub-mqtt-port N] [--hub-https-port N] [--host ADDRESS] [--data-dir DIR]";

const VALUE_OPTIONS = {
  "--config": "configFile",
  "--port": "port",
  "--hub-mqtt-port": "hubMqttPort",
  "--hub-https-port": "hubHttpsPort",
  "--host": "host",
  "--data-dir": "dataDir",
} as const;

function isValueOption(name: string): name is keyof typeof VALUE_OPTIONS {
  return Object.hasOwn(VALUE_OPTIONS, name);
}

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { help: false };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? "";
    if (argument === "--help" || argument === "-h") {
      options.help = true;
      continue;
    }
    const eq = argument.indexOf("=");
    const name = eq === -1 ? argument : argument.slice(0, eq);
    if (!isValueOption(name)) throw new CliUsageError(`unknown argument "${argument}" (${USAGE})`);
    let value: string | undefined;
    if (eq !== -1) value = argument.slice(eq + 1);
    else {
      index += 1;
      value = argv[index];
    }
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--")))
      throw new CliUsageError(`${name} needs a value (${USAGE})`);
    const field = VALUE_OPTIONS[name];
    if (field === "port" || field === "hubMqttPort" || field === "hubHttpsPort") {
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535)
        throw new CliUsageError(`${name} must be a number from 0 to 65535, got "${value}"`);
      options[field] = Number(value);
    } else {
      options[field] = value;
    }
  }
  return options;
}
