/**
 * The statement a creator confirms before uploading. Changing the text means bumping the
 * version: a confirmation records which version the user saw.
 */
export const RIGHTS_STATEMENT = {
  version: "2026-11-01",
  text:
    "I own this video or hold every right needed to upload it and have it processed " +
    "(including any music, footage and likenesses in it), and the file I upload is my own " +
    "copy of the video at this YouTube link.",
} as const;
