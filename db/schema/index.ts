export * from "./users";
export * from "./audit";
export * from "./integration";
export * from "./devices";
export * from "./engine";
