/** Web Worker entry: hashes the posted Blob off the main thread and posts the hex SHA-256 back. */
import { answerSha256Request, type Sha256WorkerReply, type Sha256WorkerRequest } from "./sha256WorkerProtocol";

interface Sha256WorkerScope {
  onmessage: ((event: MessageEvent<Sha256WorkerRequest>) => void) | null;
  postMessage(reply: Sha256WorkerReply): void;
}

// The project compiles against the DOM library, which has no worker global scope type.
const scope = globalThis as unknown as Sha256WorkerScope;

scope.onmessage = (event) => {
  void answerSha256Request(event.data).then((reply) => scope.postMessage(reply));
};
