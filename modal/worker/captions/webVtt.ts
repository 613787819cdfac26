/**
 * WebVTT captions from a transcript: the `captions_vtt` artifact, and the captions of one range
 * for burning into a clip (clip-relative times).
 *
 * Cues are built from word timestamps: at most `maxLines` lines (2) of at most `maxLineChars`
 * characters (42, the common broadcast limit), no cue longer than `maxCueSec` (7 s). A cue
 * ends at a segment's end, after a sentence's last word, at a pause between words, or when the
 * next word would break a limit; its two lines are balanced. Pure, so the worker, the clip
 * render and the page can share it.
 */
import type { Transcript } from "./transcript";

export type CaptionCue = { start: number; end: number; lines: string[] };

export type CueOptions = {
  maxLineChars: number;
  maxLines: number;
  maxCueSec: number;
  /** A silence between two words longer than this starts a new cue. */
  pauseSec: number;
  /** A cue shorter than this is held on screen longer, up to the next cue. */
  minCueSec: number;
};

export const DEFAULT_CUE_OPTIONS: CueOptions = {
  maxLineChars: 42,
  maxLines: 2,
  maxCueSec: 7,
  pauseSec: 1,
  minCueSec: 1,
};

type TimedWord = { start: number; end: number; text: string; segmentIndex: number };

/** Every word with its time; a segment without word times spreads its words over its span. */
function timedWords(transcript: Transcript): TimedWord[] {
  const words: TimedWord[] = [];
  transcript.segments.forEach((segment, segmentIndex) => {
    const own = segment.words.filter((word) => normalize(word.text) !== "");
    if (own.length > 0) {
      for (const word of own) {
        words.push({ start: word.start, end: Math.max(word.start, word.end), text: normalize(word.text), segmentIndex });
      }
      return;
    }
    const texts = normalize(segment.text).split(" ").filter(Boolean);
    const step = (segment.end - segment.start) / Math.max(1, texts.length);
    texts.forEach((text, i) => {
      words.push({ start: segment.start + i * step, end: segment.start + (i + 1) * step, text, segmentIndex });
    });
  });
  return words;
}

function normalize(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Pieces of at most `max` characters: a word longer than a line (a URL) is cut. */
function fitWord(text: string, max: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += max) pieces.push(text.slice(i, i + max));
  return pieces;
}

/** Words into at most `maxLines` lines of at most `maxLineChars`, or null if they do not fit. */
export function wrapLines(words: readonly string[], maxLineChars: number, maxLines: number): string[] | null {
  if (words.length === 0) return [];
  if (words.some((word) => word.length > maxLineChars)) return null;
  const total = words.join(" ");
  if (total.length <= maxLineChars) return [total];
  if (maxLines < 2) return null;
  if (maxLines === 2) {
    // The split that keeps both lines within the limit and closest in length.
    let best: { lines: string[]; longest: number } | null = null;
    for (let cut = 1; cut < words.length; cut++) {
      const first = words.slice(0, cut).join(" ");
      const second = words.slice(cut).join(" ");
      if (first.length > maxLineChars || second.length > maxLineChars) continue;
      const longest = Math.max(first.length, second.length);
      if (!best || longest < best.longest) best = { lines: [first, second], longest };
    }
    return best?.lines ?? null;
  }
  // More than two lines: greedy.
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + 1 + word.length > maxLineChars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.length <= maxLines ? lines : null;
}

const SENTENCE_END = /[.?!…。？！]["')\]]*$/;

function fits(group: readonly TimedWord[], settings: CueOptions, capacityChars: number): boolean {
  const first = group[0];
  const last = group[group.length - 1];
  if (!first || !last || group.length === 1) return true;
  const texts = group.map((word) => word.text);
  return (
    last.end - first.start <= settings.maxCueSec &&
    texts.join(" ").length <= capacityChars &&
    wrapLines(texts, settings.maxLineChars, settings.maxLines) !== null
  );
}

/** Words into cues, each taking as many as fit in `capacityChars` and the limits. */
function pack(words: readonly TimedWord[], settings: CueOptions, capacityChars: number): TimedWord[][] {
  const groups: TimedWord[][] = [];
  let current: TimedWord[] = [];
  for (const word of words) {
    if (current.length > 0 && !fits([...current, word], settings, capacityChars)) {
      groups.push(current);
      current = [];
    }
    current.push(word);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** As few cues as the limits allow, with the smallest even capacity that still needs no more. */
function evenCues(phrase: readonly TimedWord[], settings: CueOptions): TimedWord[][] {
  const fewest = pack(phrase, settings, Number.POSITIVE_INFINITY);
  if (fewest.length < 2) return fewest;
  const totalChars = phrase.map((word) => word.text).join(" ").length;
  const fullCue = settings.maxLines * (settings.maxLineChars + 1);
  for (let capacity = Math.ceil(totalChars / fewest.length); capacity < fullCue; capacity++) {
    const even = pack(phrase, settings, capacity);
    if (even.length <= fewest.length) return even;
  }
  return fewest;
}

/** The captions of a transcript as cues, in order, never overlapping. */
export function buildCues(transcript: Transcript, options: Partial<CueOptions> = {}): CaptionCue[] {
  const settings = { ...DEFAULT_CUE_OPTIONS, ...options };
  const words = timedWords(transcript).flatMap((word) => {
    const pieces = fitWord(word.text, settings.maxLineChars);
    const step = (word.end - word.start) / pieces.length;
    return pieces.map((text, i) => ({ ...word, text, start: word.start + i * step, end: word.start + (i + 1) * step }));
  });

  // Phrases end where a cue must end (a segment's end, a sentence's end, a pause); a phrase
  // too long for one cue is cut into as few cues as the limits allow, of even length, so a
  // sentence does not leave one word alone in a cue of its own.
  const phrases: TimedWord[][] = [];
  for (const word of words) {
    const last = phrases.at(-1)?.at(-1);
    const hardBreak =
      !last ||
      word.segmentIndex !== last.segmentIndex ||
      SENTENCE_END.test(last.text) ||
      word.start - last.end > settings.pauseSec;
    if (hardBreak) phrases.push([word]);
    else phrases.at(-1)!.push(word);
  }
  const groups = phrases.flatMap((phrase) => evenCues(phrase, settings));

  const cues: CaptionCue[] = [];
  groups.forEach((group, i) => {
    const first = group[0];
    const last = group[group.length - 1];
    if (!first || !last) return;
    const previousEnd = cues.at(-1)?.end ?? 0;
    const nextStart = groups[i + 1]?.[0]?.start ?? Number.POSITIVE_INFINITY;
    const start = Math.max(first.start, previousEnd);
    let end = Math.min(last.end, start + settings.maxCueSec);
    // Hold a short cue long enough to read, never into the next one.
    if (end - start < settings.minCueSec) end = Math.min(start + settings.minCueSec, Math.max(end, nextStart));
    if (end <= start) end = start + 0.001;
    const lines = wrapLines(group.map((word) => word.text), settings.maxLineChars, settings.maxLines);
    if (!lines) throw new Error("a cue was built that does not fit its lines"); // unreachable by construction
    cues.push({ start: round3(start), end: round3(end), lines });
  });
  return cues;
}

function round3(sec: number): number {
  return Math.round(sec * 1000) / 1000;
}

/** `HH:MM:SS.mmm`, WebVTT's timestamp. */
export function vttTimestamp(sec: number): string {
  const totalMs = Math.max(0, Math.round(sec * 1000));
  const ms = totalMs % 1000;
  const totalSeconds = Math.floor(totalMs / 1000);
  const s = totalSeconds % 60;
  const m = Math.floor(totalSeconds / 60) % 60;
  const h = Math.floor(totalSeconds / 3600);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(h)}:${two(m)}:${two(s)}.${String(ms).padStart(3, "0")}`;
}

/** Cue text is HTML-like in WebVTT: `&`, `<` and `>` are escaped (so `-->` cannot appear). */
function escapeCueText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A WebVTT file of these cues (numbered from 1). */
export function formatWebVtt(cues: readonly CaptionCue[]): string {
  const blocks = cues.map(
    (cue, i) => `${i + 1}\n${vttTimestamp(cue.start)} --> ${vttTimestamp(cue.end)}\n${cue.lines.map(escapeCueText).join("\n")}`,
  );
  return ["WEBVTT", ...blocks].join("\n\n") + "\n";
}

/** The `captions_vtt` artifact of a transcript (a file with no cues when there is no speech). */
export function captionsVtt(transcript: Transcript, options: Partial<CueOptions> = {}): string {
  return formatWebVtt(buildCues(transcript, options));
}

/**
 * The transcript of `startSec`–`endSec` only, with times counted from `startSec` (what a clip
 * of that range sees): words whose middle lies in the range, their times clipped to it.
 */
export function transcriptForRange(transcript: Transcript, startSec: number, endSec: number): Transcript {
  const clip = (sec: number) => round3(Math.min(Math.max(sec, startSec), endSec) - startSec);
  const segments = transcript.segments
    .map((segment) => {
      const words = segment.words
        .filter((word) => {
          const middle = (word.start + word.end) / 2;
          return middle >= startSec && middle < endSec;
        })
        .map((word) => ({ ...word, start: clip(word.start), end: clip(word.end) }));
      const first = words[0];
      const last = words[words.length - 1];
      return first && last
        ? { start: first.start, end: last.end, text: words.map((w) => w.text).join(" "), words }
        : null;
    })
    .filter((segment) => segment !== null);
  return {
    ...transcript,
    speech: segments.length > 0,
    duration: Math.max(0, endSec - startSec),
    speechDuration: Math.min(transcript.speechDuration, Math.max(0, endSec - startSec)),
    segments,
  };
}

/** The captions of a clip of `startSec`–`endSec`, timed from the clip's start. */
export function clipCaptionsVtt(
  transcript: Transcript,
  startSec: number,
  endSec: number,
  options: Partial<CueOptions> = {},
): string {
  return captionsVtt(transcriptForRange(transcript, startSec, endSec), options);
}
