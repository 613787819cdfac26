import { parseStoryboardVtt, type StoryboardCue } from "./storyboardVtt";
import { useFetchedArtifact } from "./useFetchedArtifact";

const readCues = async (response: Response) => parseStoryboardVtt(await response.text());

/**
 * The storyboard's cues, fetched once from the `storyboard_vtt` artifact's URL. A fetch that
 * fails (say the URL expired on the way) asks for a fresh URL and tries that one.
 * `undefined` until loaded.
 */
export function useStoryboardCues<Id extends string>(
  vtt: { id: Id; url: string | undefined } | undefined,
  refreshUrl: (id: Id) => void,
): readonly StoryboardCue[] | undefined {
  return useFetchedArtifact(vtt, refreshUrl, readCues);
}
