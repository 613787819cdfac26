"use client";

import { Component, type ReactNode } from "react";

/**
 * Anything that fails while the job page renders (a query the server could not answer, a bug)
 * shows that something went wrong, with a way to try again, rather than the page vanishing. A
 * job that does not exist, or is another user's, is not an error: `jobs.get` answers null and
 * the page shows `JobNotFound`.
 */
export class JobPageErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <section className="card" role="alert">
        <h1>Something went wrong</h1>
        <p>This page could not show the job just now. Your upload and your job are kept on the server.</p>
        <p>
          <button type="button" className="button-primary" onClick={() => this.setState({ failed: false })}>
            Try again
          </button>
        </p>
      </section>
    );
  }
}

export function JobNotFound() {
  return (
    <section className="card" role="alert">
      <h1>Job not found</h1>
      <p>
        There is no job at this address for your account. <a href="/">Start a new one</a>.
      </p>
    </section>
  );
}
