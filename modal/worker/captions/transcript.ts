/**
 * The transcript artifact (`transcript`, JSON), exactly as `python3 -m captions.transcribe`
 * writes it (modal/captions/transcribe.py): times in seconds from the start of the video,
 * words with their own times and probability. No speech: `speech: false`, no segments, no
 * language.
 */
import { z } from "zod";

const seconds = z.number().finite().nonnegative();

export const transcriptWordSchema = z.object({
  start: seconds,
  end: seconds,
  text: z.string(),
  probability: z.number().min(0).max(1),
});

export const transcriptSegmentSchema = z.object({
  start: seconds,
  end: seconds,
  text: z.string(),
  words: z.array(transcriptWordSchema),
});

export const transcriptSchema = z.object({
  version: z.literal(1),
  model: z.string(),
  speech: z.boolean(),
  language: z.string().nullable(),
  languageProbability: z.number().nullable(),
  duration: seconds,
  speechDuration: seconds,
  segments: z.array(transcriptSegmentSchema),
});

export type TranscriptWord = z.infer<typeof transcriptWordSchema>;
export type TranscriptSegment = z.infer<typeof transcriptSegmentSchema>;
export type Transcript = z.infer<typeof transcriptSchema>;

/** The transcript as plain text, one segment a line (the page's "download as text"). */
export function transcriptText(transcript: Transcript): string {
  return transcript.segments.map((segment) => segment.text).join("\n") + (transcript.segments.length ? "\n" : "");
}
