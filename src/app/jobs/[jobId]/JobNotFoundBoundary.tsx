"use client";

import { Component, type ReactNode } from "react";

/**
 * A job id that is not an id at all fails argument validation on the server; the page says
 * the same as for a job that does not exist (or belongs to someone else).
 */
export class JobNotFoundBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override render() {
    return this.state.failed ? <JobNotFound /> : this.props.children;
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
