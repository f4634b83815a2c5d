export function OverviewPage(_props: { station?: string; query: URLSearchParams }) {
  return (
    <main>
      <h1>OverviewPage</h1>
    </main>
  );
}
