import { useId, type ReactNode } from "react";
import { artifactDetails, artifactTestId, artifactTitle, type ArtifactView } from "@/lib/artifacts/artifactGroups";
import { DownloadArtifactButton } from "./DownloadArtifactButton";

/**
 * One artifact: its media (when it has a visual or a player), name, details and download.
 * `poster`: the picture shown before it plays (a clip's poster), offered for download too.
 */
export function ArtifactCard({ artifact, poster, children }: { artifact: ArtifactView; poster?: ArtifactView; children?: ReactNode }) {
  const titleId = useId();
  return (
    <article className="artifact-card" data-testid={artifactTestId(artifact)} aria-labelledby={titleId}>
      {children}
      <div className="artifact-info">
        <h4 id={titleId} className="artifact-title">
          {artifactTitle(artifact)}
        </h4>
        <p className="artifact-details">{artifactDetails(artifact).join(" · ")}</p>
        <div className="artifact-downloads">
          <DownloadArtifactButton artifact={artifact} />
          {poster && (
            <DownloadArtifactButton artifact={poster} label={{ visible: "Download poster", hidden: ` of ${artifactTitle(artifact).toLowerCase()}` }} />
          )}
        </div>
      </div>
    </article>
  );
}
