/** Port choice for the dev stack: the conventional port when it is free, else any free one. */
import { createServer } from "node:net";

export async function choosePort(preferred: number, label: string, log: (line: string) => void): Promise<number> {
  if (preferred !== 0 && (await tryListen(preferred)) !== undefined) return preferred;
  const port = await tryListen(0);
  if (port === undefined) throw new Error(`No free port for ${label}`);
  if (preferred !== 0) log(`${label}: port ${preferred} is taken, using ${port} instead`);
  return port;
}

/** Binds 127.0.0.1:port for a moment; the bound port, or undefined when it is taken. */
function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : undefined));
    });
  });
}
