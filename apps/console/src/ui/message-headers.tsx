/** A message's headers, one row a name, under their heading. */
export function MessageHeaders(props: { headers: Readonly<Record<string, string>> | undefined }) {
  const headers = Object.entries(props.headers ?? {});
  return (
    <>
      <h3>Headers</h3>
      {headers.length === 0 ? (
        <p class="muted">No headers.</p>
      ) : (
        <div class="table-wrap">
          <table class="headers" aria-label="Headers" data-testid="message-headers">
            <tbody>
              {headers.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row" class="mono">
                    {name}
                  </th>
                  <td class="mono wrap">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
