import { describe, expect, it } from "vitest";
import type { Transcript, TranscriptSegment } from "./transcript";
import { buildCues, captionsVtt, clipCaptionsVtt, formatWebVtt, transcriptForRange, vttTimestamp, wrapLines } from "./webVtt";

const LOREM =
  "so today we are going to look at how the new editor works and why it makes cutting long videos " +
  "into short clips much faster than before because every step happens right in the browser";

/** A segment whose words follow each other every `stepSec` from `startSec`. */
function segment(text: string, startSec: number, stepSec = 0.4): TranscriptSegment {
  const words = text.split(" ").map((word, i) => ({
    start: startSec + i * stepSec,
    end: startSec + i * stepSec + stepSec * 0.8,
    text: word,
    probability: 0.9,
  }));
  return { start: words[0]!.start, end: words.at(-1)!.end, text, words };
}

function transcriptOf(...segments: TranscriptSegment[]): Transcript {
  const end = segments.at(-1)?.end ?? 0;
  return {
    version: 1,
    model: "test",
    speech: segments.length > 0,
    language: segments.length ? "en" : null,
    languageProbability: segments.length ? 0.99 : null,
    duration: end + 1,
    speechDuration: end,
    segments,
  };
}

/** What a WebVTT parser requires of a file, and the limits the captions promise. */
function checkVtt(vtt: string, limits: { maxLineChars: number; maxLines: number; maxCueSec: number }) {
  expect(vtt.startsWith("WEBVTT\n\n") || vtt === "WEBVTT\n").toBe(true);
  const blocks = vtt.trimEnd().split("\n\n").slice(1);
  let previousEnd = 0;
  const texts: string[] = [];
  for (const block of blocks) {
    const [id, timing = "", ...lines] = block.split("\n");
    expect(id).toMatch(/^\d+$/);
    const match = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/.exec(timing);
    expect(match, timing).not.toBeNull();
    const [h1, m1, s1, ms1, h2, m2, s2, ms2] = match!.slice(1).map(Number) as [number, number, number, number, number, number, number, number];
    const start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000;
    const end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000;
    expect(end).toBeGreaterThan(start);
    expect(start).toBeGreaterThanOrEqual(previousEnd);
    expect(end - start).toBeLessThanOrEqual(limits.maxCueSec + 1e-9);
    previousEnd = end;
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(limits.maxLines);
    for (const line of lines) {
      expect(line.trim()).not.toBe("");
      expect(line).not.toContain("-->");
      expect(line.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").length).toBeLessThanOrEqual(
        limits.maxLineChars,
      );
    }
    texts.push(lines.join(" "));
  }
  return { cues: blocks.length, text: texts.join(" ") };
}

const LIMITS = { maxLineChars: 42, maxLines: 2, maxCueSec: 7 };

describe("WebVTT captions from a transcript", () => {
  it("keeps every word, in order, in cues of at most 2 lines of 42 characters and 7 s", () => {
    const transcript = transcriptOf(segment(LOREM, 0.5), segment(LOREM, 20, 0.3));
    const { cues, text } = checkVtt(captionsVtt(transcript), LIMITS);
    expect(text).toBe(`${LOREM} ${LOREM}`);
    expect(cues).toBeGreaterThan(4);
  });

  it("times cues from the words and starts a new one at a segment, a sentence's end and a pause", () => {
    const first = segment("Hello there.", 1);
    const second = segment("This is a pause", 2);
    const third = segment("test of the captions", 0);
    third.words = third.words.map((word) => ({ ...word, start: word.start + 6, end: word.end + 6 }));
    const afterSentence = segment("One. Two", 9);
    const cues = buildCues(transcriptOf(first, second, third, afterSentence));
    expect(cues.map((cue) => cue.lines.join(" "))).toEqual(["Hello there.", "This is a pause", "test of the captions", "One.", "Two"]);
    expect(cues[0]!.start).toBe(1);
    expect(cues[1]!.start).toBe(2);
    expect(cues[1]!.end).toBeCloseTo(2 + 3 * 0.4 + 0.32, 3);

    const paused = segment("before the pause after it", 0);
    paused.words[3] = { ...paused.words[3]!, start: 5, end: 5.3 };
    paused.words[4] = { ...paused.words[4]!, start: 5.4, end: 5.6 };
    expect(buildCues(transcriptOf(paused)).map((cue) => cue.lines.join(" "))).toEqual(["before the pause", "after it"]);
  });

  it("cuts a long sentence into even cues instead of leaving its last word alone", () => {
    const sentence = "Please call me back tomorrow morning when you have time to talk about the new project.";
    const cues = buildCues(transcriptOf(segment(sentence, 0, 0.3)));
    expect(cues.map((cue) => cue.lines.join(" "))).toEqual([
      "Please call me back tomorrow morning when",
      "you have time to talk about the new project.",
    ]);
    checkVtt(captionsVtt(transcriptOf(segment(sentence, 0, 0.3))), LIMITS);
  });

  it("balances a cue's two lines", () => {
    expect(wrapLines("one two three four five six seven eight nine ten eleven".split(" "), 42, 2)).toEqual([
      "one two three four five six",
      "seven eight nine ten eleven",
    ]);
    expect(wrapLines(["a".repeat(43)], 42, 2)).toBeNull();
    expect(wrapLines(Array(30).fill("word"), 42, 2)).toBeNull();
  });

  it("cuts a word longer than a line and holds a word longer than 7 s for 7 s only", () => {
    const url = `https://example.com/${"x".repeat(70)}`;
    const long = transcriptOf({
      start: 0,
      end: 12,
      text: `see ${url} now`,
      words: [
        { start: 0, end: 0.5, text: "see", probability: 0.9 },
        { start: 0.5, end: 2, text: url, probability: 0.9 },
        { start: 2, end: 12, text: "now", probability: 0.9 },
      ],
    });
    const { text } = checkVtt(captionsVtt(long), LIMITS);
    expect(text.replace(/ /g, "")).toBe(`see${url}now`);
    expect(buildCues(long).at(-1)).toMatchObject({ start: 2, end: 9 });
  });

  it("holds a short cue for a second unless the next one starts sooner", () => {
    const cues = buildCues(transcriptOf(segment("Yes.", 1, 0.2), segment("No.", 1.5, 0.2), segment("Maybe.", 5, 0.2)));
    expect(cues.map(({ start, end }) => [start, end])).toEqual([
      [1, 1.5],
      [1.5, 2.5],
      [5, 6],
    ]);
  });

  it("escapes markup and never lets a cue's text end the cue early", () => {
    const vtt = captionsVtt(transcriptOf(segment("a <b> tag & an --> arrow", 0)));
    expect(vtt).toContain("a &lt;b&gt; tag &amp; an --&gt; arrow");
    checkVtt(vtt, LIMITS);
  });

  it("spreads a segment without word times over its span", () => {
    const cues = buildCues(transcriptOf({ start: 2, end: 4, text: "  four words  here now ", words: [] }));
    expect(cues).toEqual([{ start: 2, end: 4, lines: ["four words here now"] }]);
  });

  it("has a header and no cues when there is no speech", () => {
    expect(captionsVtt(transcriptOf())).toBe("WEBVTT\n");
    expect(formatWebVtt([])).toBe("WEBVTT\n");
  });

  it("writes timestamps as HH:MM:SS.mmm", () => {
    expect(vttTimestamp(0)).toBe("00:00:00.000");
    expect(vttTimestamp(3661.5)).toBe("01:01:01.500");
    expect(vttTimestamp(59.9996)).toBe("00:01:00.000");
    expect(vttTimestamp(4 * 3600 + 0.042)).toBe("04:00:00.042");
  });
});

describe("the captions of a clip's range", () => {
  const transcript = transcriptOf(segment("one two three four five six seven eight", 10, 1));

  it("keeps the words whose middle is in the range, timed from the range's start", () => {
    const range = transcriptForRange(transcript, 12.5, 15.5);
    expect(range.segments.flatMap((s) => s.words.map((w) => [w.text, w.start, w.end]))).toEqual([
      ["four", 0.5, 1.3],
      ["five", 1.5, 2.3],
      ["six", 2.5, 3],
    ]);
    expect(range.duration).toBe(3);
  });

  it("makes a clip-relative VTT with the burn-in line length", () => {
    const vtt = clipCaptionsVtt(transcript, 11, 18, { maxLineChars: 12 });
    const { text } = checkVtt(vtt, { ...LIMITS, maxLineChars: 12 });
    expect(text).toBe("two three four five six seven eight");
    expect(vtt).toContain("00:00:00.000 --> ");
    expect(clipCaptionsVtt(transcript, 30, 40)).toBe("WEBVTT\n");
  });
});
