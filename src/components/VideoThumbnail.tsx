"use client";

import { useState } from "react";

/**
 * A YouTube thumbnail, or a neutral placeholder when there is none or it does not load
 * (YouTube's image host is out of reach offline, and some videos have no thumbnail).
 */
export function VideoThumbnail({ src, className }: { src: string | undefined; className?: string }) {
  const [failedSrc, setFailedSrc] = useState<string | null>(null);
  const frameClass = `video-thumbnail${className ? ` ${className}` : ""}`;
  if (src === undefined || src === failedSrc) {
    return <div className={`${frameClass} video-thumbnail-placeholder`} aria-hidden="true" />;
  }
  return (
    <div className={frameClass}>
      {/* A plain img: thumbnails come from YouTube's image host and are not optimized here. */}
      <img src={src} alt="" width={480} height={360} loading="lazy" onError={() => setFailedSrc(src)} />
    </div>
  );
}
