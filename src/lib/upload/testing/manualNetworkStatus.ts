import type { NetworkStatus } from "../core/networkStatus";

/** A NetworkStatus the test switches by hand. */
export class ManualNetworkStatus implements NetworkStatus {
  private online = true;
  private readonly listeners = new Set<(online: boolean) => void>();

  isOnline(): boolean {
    return this.online;
  }

  onChange(listener: (online: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(online: boolean): void {
    if (online === this.online) return;
    this.online = online;
    for (const listener of this.listeners) listener(online);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
