import type { StationInfo } from '@ferry/browser';

type PartitionInfo = StationInfo['partitions'][number];

/** Every partition ('') or one, as purge and seek take it; `describe` labels each partition. */
export function PartitionChoice(props: {
  partitions: readonly PartitionInfo[];
  value: string;
  onChange: (value: string) => void;
  describe: (p: PartitionInfo) => string;
}) {
  return (
    <label class="field">
      <span>Partitions</span>
      <select
        name="partition"
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        <option value="">every partition</option>
        {props.partitions.map((p) => (
          <option key={p.partition} value={p.partition}>
            partition {p.partition} ({props.describe(p)})
          </option>
        ))}
      </select>
    </label>
  );
}
