/** Web Worker entry: the MD5 of each posted part, off the main thread; replies carry the request's id. */
import { answerMd5Request, type Md5WorkerReply, type Md5WorkerRequest } from "./md5WorkerProtocol";

interface Md5WorkerScope {
  onmessage: ((event: MessageEvent<Md5WorkerRequest>) => void) | null;
  postMessage(reply: Md5WorkerReply): void;
}

// The project compiles against the DOM library, which has no worker global scope type.
const scope = globalThis as unknown as Md5WorkerScope;

scope.onmessage = (event) => {
  void answerMd5Request(event.data).then((reply) => scope.postMessage(reply));
};
