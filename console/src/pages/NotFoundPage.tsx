import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <section className="stack">
      <h1>Page not found</h1>
      <p>
        There is no console page at this address. <Link to="/webhooks">Go to the webhooks</Link>.
      </p>
    </section>
  );
}
