import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export interface Column<T> {
  key: string;
  label: string;
  /** What the column sorts by; unsortable without it. */
  sortBy?: (row: T) => number | string;
  render: (row: T) => ComponentChildren;
  numeric?: boolean;
}

/**
 * A table whose sortable headers are buttons (keyboard and screen readers included), sorting
 * ascending then descending.
 */
export function Table<T>(props: {
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  initialSort?: { key: string; descending?: boolean };
  label: string;
  testId?: string;
}) {
  const [sort, setSort] = useState(props.initialSort);
  const column = props.columns.find((c) => c.key === sort?.key);
  const rows =
    column?.sortBy === undefined
      ? props.rows
      : [...props.rows].sort((a, b) => {
          const x = column.sortBy?.(a) ?? 0;
          const y = column.sortBy?.(b) ?? 0;
          const order = x < y ? -1 : x > y ? 1 : 0;
          return sort?.descending === true ? -order : order;
        });
  return (
    <div class="table-wrap">
      <table aria-label={props.label} data-testid={props.testId}>
        <thead>
          <tr>
            {props.columns.map((c) => {
              const sorted = sort?.key === c.key;
              const ariaSort = sorted ? (sort?.descending ? 'descending' : 'ascending') : undefined;
              return (
                <th key={c.key} class={c.numeric ? 'num' : undefined} aria-sort={ariaSort}>
                  {c.sortBy === undefined ? (
                    c.label
                  ) : (
                    <button
                      type="button"
                      class="sort"
                      onClick={() =>
                        setSort({ key: c.key, descending: sorted && sort?.descending !== true })
                      }
                    >
                      {c.label}
                      <span aria-hidden="true">
                        {sorted ? (sort?.descending ? ' ▼' : ' ▲') : ''}
                      </span>
                    </button>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={props.rowKey(row)} data-row={props.rowKey(row)}>
              {props.columns.map((c) => (
                <td key={c.key} class={c.numeric ? 'num' : undefined} data-col={c.key}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
