/** Output picture sizes, computed up front so every artifact's dimensions are known exactly. */
export type Size = { width: number; height: number };

/**
 * Scales `display` down (never up) until its longer side is at most `maxSide`, so portrait
 * and landscape sources get artifacts of the same weight. Sides are even because the
 * yuv420p encoders (x264, JPEG, WebP) need them to be.
 */
export function fitWithin(display: Size, maxSide: number): Size {
  const scale = Math.min(1, maxSide / Math.max(display.width, display.height));
  return { width: evenSide(display.width * scale), height: evenSide(display.height * scale) };
}

/**
 * The filter that brings an autorotated frame to `size`. `setsar=1` because JPEG and WebP
 * viewers ignore the sample aspect ratio; `size` already includes it (see probeVideo).
 */
export function scaleFilter(size: Size): string {
  return `scale=${size.width}:${size.height},setsar=1`;
}

function evenSide(side: number): number {
  return Math.max(2, Math.round(side / 2) * 2);
}
