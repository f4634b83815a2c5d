export function StationsPage(_props: { station?: string; query: URLSearchParams }) {
  return (
    <main>
      <h1>StationsPage</h1>
    </main>
  );
}
