/** The `<option>`s of a Select, one per value, labelled by `label` (the value itself by default). */
export function SelectOptions<T extends string>({
  values,
  label = (value) => value,
}: {
  values: readonly T[];
  label?: (value: T) => string;
}) {
  return values.map((value) => (
    <option key={value} value={value}>
      {label(value)}
    </option>
  ));
}
