import { allocateHub } from "./allocation";
import { candidateHubs, type EmulatorConfig, type EnrollmentGroup } from "./config";
import { settleAssignment } from "./reprovisioning";
import {
  toRegistrationState,
  type RegistrationRecord,
  type RegistrationState,
  type RegistrationStore,
} from "./store";
import { callAllocationWebhook, webhookRequest } from "./webhook";
import { ErrorCodes, newEtag, newOperationId, timestampUtc } from "./wire-format";

export type OperationOutcome = {
  status: "assigned" | "failed" | "disabled";
  registrationState: RegistrationState;
};

export type Operation = {
  readonly operationId: string;
  readonly registrationId: string;
  readonly group: EnrollmentGroup;
  readonly payload: unknown;
  readonly readyAt: number;
  outcome: OperationOutcome | null;
  settling: boolean;
  timer: NodeJS.Timeout | null;
  readonly generation: number;
};

/** Old operations are forgotten beyond this many, so memory stays flat under a long benchmark. */
const OPERATION_CAPACITY = 100_000;

type Dependencies = {
  store: RegistrationStore;
  config: () => EmulatorConfig;
  instanceTag: string;
  now: () => number;
};

/**
 * Registration operations and their assignment: allocation, reprovisioning and the record they leave.
 * The hub is chosen when the operation completes (not when it starts), so runtime config changes such
 * as new weights apply to operations still assigning, as they would in DPS.
 */
/** An assignment as the hub sees it: DPS creates or updates the device's identity there. */
export type Assignment = {
  hub: string;
  previousHub?: string;
  deviceId: string;
  registrationId: string;
  group: EnrollmentGroup;
};

export class ProvisioningService {
  private readonly operations = new Map<string, Operation>();
  /** Called for every assignment (set by the emulator that serves the hubs). */
  onAssigned: ((assignment: Assignment) => void) | null = null;
  /** Bumped by clear(): a webhook answer for an operation from before an admin reset must not write a record. */
  private generation = 0;

  constructor(private readonly deps: Dependencies) {}

  startRegistration(group: EnrollmentGroup, registrationId: string, payload: unknown): Operation {
    const delay = this.deps.config().assignmentDelayMs;
    const operation: Operation = {
      operationId: newOperationId(this.deps.instanceTag),
      registrationId,
      group,
      payload,
      readyAt: this.deps.now() + delay,
      outcome: null,
      settling: false,
      timer: null,
      generation: this.generation,
    };
    this.remember(operation);
    if (delay === 0) {
      this.settle(operation);
    } else {
      operation.timer = setTimeout(() => this.settle(operation), delay);
      operation.timer.unref();
    }
    return operation;
  }

  /** The operation if it belongs to this registration; completes it first when its time has come. */
  findOperation(registrationId: string, operationId: string): Operation | undefined {
    const operation = this.operations.get(operationId);
    if (operation === undefined || operation.registrationId.toLowerCase() !== registrationId.toLowerCase())
      return undefined;
    // Timers can lag behind a busy event loop; a poll after the deadline must not see `assigning`.
    if (operation.outcome === null && this.deps.now() >= operation.readyAt) this.settle(operation);
    return operation;
  }

  clear(): void {
    this.generation += 1;
    for (const operation of this.operations.values()) this.cancelTimer(operation);
    this.operations.clear();
  }

  private remember(operation: Operation): void {
    this.operations.set(operation.operationId, operation);
    if (this.operations.size <= OPERATION_CAPACITY) return;
    const oldest = this.operations.values().next();
    if (oldest.done) return;
    this.cancelTimer(oldest.value);
    this.operations.delete(oldest.value.operationId);
  }

  private cancelTimer(operation: Operation): void {
    if (operation.timer !== null) clearTimeout(operation.timer);
    operation.timer = null;
  }

  private settle(operation: Operation): void {
    if (operation.outcome !== null || operation.settling) return;
    this.cancelTimer(operation);
    const config = this.deps.config();
    const group =
      config.enrollmentGroups.find(
        (candidate) => candidate.enrollmentGroupId === operation.group.enrollmentGroupId,
      ) ?? operation.group;
    if (group.provisioningStatus === "disabled") {
      this.finish(operation, group, { status: "disabled" });
      return;
    }
    const candidates = candidateHubs(config, group);
    if (group.allocationPolicy === "custom") {
      this.settleThroughWebhook(
        operation,
        group,
        config,
        candidates.map((hub) => hub.name),
      );
      return;
    }
    const hub = allocateHub(group.allocationPolicy, candidates, operation.registrationId);
    if (hub === undefined) {
      this.finish(operation, group, {
        status: "failed",
        errorCode: ErrorCodes.internalError,
        errorMessage: "No linked IoT hub is eligible for this enrollment group",
      });
      return;
    }
    this.finish(operation, group, { status: "assigned", proposedHub: hub.name });
  }

  private settleThroughWebhook(
    operation: Operation,
    group: EnrollmentGroup,
    config: EmulatorConfig,
    hubNames: string[],
  ): void {
    operation.settling = true;
    const previous = this.deps.store.get(operation.registrationId);
    const request = webhookRequest(
      group,
      {
        registrationId: operation.registrationId,
        currentHub: previous?.assignedHub,
        currentDeviceId: previous?.deviceId,
        payload: operation.payload,
      },
      hubNames,
    );
    void callAllocationWebhook(group.customAllocationWebhookUrl ?? "", request, config.webhookTimeoutMs).then(
      (answer) => {
        operation.settling = false;
        if (operation.generation !== this.generation) return;
        if (!answer.ok) {
          this.finish(operation, group, {
            status: "failed",
            errorCode: ErrorCodes.customAllocationFailed,
            errorMessage: `Custom allocation failed: ${answer.reason}`,
          });
        } else {
          this.finish(operation, group, {
            status: "assigned",
            proposedHub: answer.iotHubHostName,
            payload: answer.payload,
          });
        }
      },
    );
  }

  private finish(
    operation: Operation,
    group: EnrollmentGroup,
    result:
      | { status: "assigned"; proposedHub: string; payload?: unknown }
      | { status: "failed"; errorCode: number; errorMessage: string }
      | { status: "disabled" },
  ): void {
    const previous = this.deps.store.get(operation.registrationId);
    const now = timestampUtc();
    const common = {
      registrationId: operation.registrationId,
      enrollmentGroupId: group.enrollmentGroupId,
      createdDateTimeUtc: previous?.createdDateTimeUtc ?? now,
      lastUpdatedDateTimeUtc: now,
      etag: newEtag(),
    };
    let record: RegistrationRecord;
    if (result.status === "assigned") {
      const { hub, substatus } = settleAssignment(
        previous?.assignedHub,
        result.proposedHub,
        group.reprovisionPolicy,
      );
      record = {
        ...common,
        status: "assigned",
        substatus,
        assignedHub: hub,
        deviceId: previous?.deviceId ?? operation.registrationId,
        ...(result.payload !== undefined ? { payload: result.payload } : {}),
      };
    } else {
      record = {
        ...common,
        status: result.status,
        ...(previous?.assignedHub !== undefined
          ? { assignedHub: previous.assignedHub, deviceId: previous.deviceId }
          : {}),
        ...(result.status === "failed"
          ? { errorCode: result.errorCode, errorMessage: result.errorMessage }
          : {}),
      };
    }
    this.deps.store.put(record);
    if (record.status === "assigned" && record.assignedHub !== undefined && record.deviceId !== undefined)
      this.onAssigned?.({
        hub: record.assignedHub,
        previousHub: previous?.assignedHub,
        deviceId: record.deviceId,
        registrationId: record.registrationId,
        group,
      });
    operation.outcome = { status: record.status, registrationState: toRegistrationState(record) };
  }
}
