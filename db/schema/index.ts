export * from "./users";
export * from "./audit";
export * from "./integration";
export * from "./devices";
export * from "./registrations";
export * from "./fleet";
export * from "./engine";
export * from "./hub-lifecycle";
