/** What a removal leaves where, as the dialog says it before anything happens. */
export function RemoveNotice({
  deleteRecord,
  hub,
  plural,
}: {
  deleteRecord: boolean;
  hub: string | null;
  plural: boolean;
}) {
  const them = plural ? "the devices" : "the device";
  const identity = plural
    ? "Their device identities stay in their IoT hubs"
    : `Its device identity stays in ${hub ? `the IoT hub ${hub}` : "its IoT hub"}`;
  if (deleteRecord) {
    return (
      <>
        {plural ? "The devices are" : "The device is"} removed from this platform and{" "}
        {plural ? "their registration records are" : "its registration record is"} deleted from Azure DPS, if
        unchanged since {plural ? "their" : "its"} last registration here or the last reconciliation of this
        enrollment group listed {plural ? "them" : "it"} (otherwise {them} {plural ? "stay" : "stays"}, with
        the reason in the history). {identity}: DPS does not delete {plural ? "them" : "it"}; delete{" "}
        {plural ? "them" : "it"} in the IoT hub if {them} must no longer connect.
      </>
    );
  }
  return (
    <>
      {plural ? "The devices are" : "The device is"} removed from this platform only:{" "}
      {plural ? "they stay" : "it stays"} registered in the Azure DPS enrollment group (
      {plural ? "their registration records are" : "its registration record is"} kept). {identity}. To revoke{" "}
      {plural ? "them" : "it"} there, disable or delete
      {plural ? " their registrations" : " its registration"} in the Azure portal.
    </>
  );
}
