/**
 * The hub statuses for the domain and the browser: the list itself lives with the schema
 * (db/schema/hub-statuses.ts) so the engine and the enum share it; pages and components import
 * it from here, never from db/.
 */
export {
  HUB_STATUSES,
  HUB_STATUS_LABELS,
  isHubStatus,
  zeroCountsByHubStatus,
  type HubStatus,
} from "@/db/schema/hub-statuses";
