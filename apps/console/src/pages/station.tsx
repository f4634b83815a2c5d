export function StationPage(_props: { station?: string; query: URLSearchParams }) {
  return (
    <main>
      <h1>StationPage</h1>
    </main>
  );
}
