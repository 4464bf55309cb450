import type { Loaded } from './api';

/** What a page shows while its data loads, or why it could not. */
export function Problem({ loaded }: { loaded: Loaded<unknown> }) {
  if (loaded.state === 'loading') return <p aria-busy="true">loading…</p>;
  if (loaded.state === 'error')
    return (
      <p role="alert" class="bad">
        {loaded.message}
      </p>
    );
  return null;
}
