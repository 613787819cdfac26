"use client";

import { useAction } from "convex/react";
import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import { artifactDownloadTestId, artifactTitle, type ArtifactView } from "@/lib/artifacts/artifactGroups";
import { describeError } from "@/lib/errorMessages";

/**
 * Asks for a fresh download URL at click time (they last five minutes) and hands it to the
 * browser; the URL's Content-Disposition makes it a download, so the page stays.
 */
/**
 * `label`: what the button says and what a screen reader hears after it, when the card's own
 * artifact is not this one ("Download poster" + " of clip 1" on a clip's card).
 */
export function DownloadArtifactButton({
  artifact,
  label = { visible: "Download", hidden: ` ${artifactTitle(artifact)}` },
}: {
  artifact: ArtifactView;
  label?: { visible: string; hidden: string };
}) {
  const getDownloadUrl = useAction(api.artifacts.getDownloadUrl);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function download() {
    if (pending) return;
    setPending(true);
    setError(null);
    try {
      const { url } = await getDownloadUrl({ artifactId: artifact._id });
      const link = document.createElement("a");
      link.href = url;
      link.rel = "noopener";
      document.body.append(link);
      link.click();
      link.remove();
    } catch (e) {
      setError(describeError(e).message);
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      <button
        type="button"
        className="button-download"
        onClick={download}
        aria-disabled={pending}
        data-testid={artifactDownloadTestId(artifact)}
      >
        {/* The name comes from the text, so a screen reader hears "Preparing…" too. */}
        {pending ? "Preparing…" : label.visible}
        <span className="visually-hidden">{label.hidden}</span>
      </button>
      {error && (
        <p role="alert" className="artifact-error">
          {error}
        </p>
      )}
    </>
  );
}
