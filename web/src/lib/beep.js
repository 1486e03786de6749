// A short two-tone beep through Web Audio: the sound of an offer. Browsers start audio only after
// a user gesture on the page; before that the beep is silent (the offer still shows).
let ctx;

export function beep() {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') ctx.resume();
    const t = ctx.currentTime;
    for (const [i, hz] of [880, 1320].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, t + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.2, t + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.18 + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t + i * 0.18);
      osc.stop(t + i * 0.18 + 0.17);
    }
    window.__lingxiBeeps = (window.__lingxiBeeps || 0) + 1; // the browser tests count them
  } catch {
    // no audio on this device: the offer still shows
  }
}
