/**
 * Whether this worker serves captions: only with a model (`captionsModelProblem`). Unset
 * `WORKER_KINDS` means every kind it can do, captions included when the model is there; a
 * worker told to serve captions without a model says so once and leaves them to others (its
 * jobs and clips go on, and jobs still go READY).
 */
import type { WorkKind } from "../../../convex/lib/workerProtocol";
import { captionsModelProblem } from "./transcribeAudio";

export async function kindsServed(
  kinds: readonly WorkKind[],
  { explicit, modelDir }: { explicit: boolean; modelDir: string },
  warn: (message: string) => void,
): Promise<WorkKind[]> {
  const wanted: WorkKind[] = explicit || kinds.includes("captions") ? [...kinds] : [...kinds, "captions"];
  if (!wanted.includes("captions")) return wanted;
  const problem = await captionsModelProblem(modelDir);
  if (problem === null) return wanted;
  warn(problem);
  return wanted.filter((kind) => kind !== "captions");
}
