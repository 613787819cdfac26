"use client";

/**
 * What a page shows when it fails to render (a bug, a query the server could not answer): what
 * happened and a way on, instead of the framework's bare error page. The job page has its own
 * boundary (`JobPageErrorBoundary`) that says its upload and job are kept.
 */
export default function PageError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="card" role="alert">
      <h1>Something went wrong</h1>
      <p>This page could not be shown just now. Nothing you started is lost.</p>
      <p>
        <button type="button" className="button-primary" onClick={reset}>
          Try again
        </button>{" "}
        <a href="/">Go to the start page</a>
      </p>
    </section>
  );
}
