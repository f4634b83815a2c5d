export function DeadLettersPage(_props: { station?: string; query: URLSearchParams }) {
  return (
    <main>
      <h1>DeadLettersPage</h1>
    </main>
  );
}
