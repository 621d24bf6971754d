// overlay-options.js — the scorebug's URL options (/overlay), as a pure function so
// `node --test` checks them:
//   ?pos=top-left (default) | top | top-right | bottom-left | bottom | bottom-right
//   ?scale=1      size (0.25 .. 4; 1 is about 48 px tall on a 1080p canvas)
//   ?margin=3     distance from the edges, in % of the canvas height (0 .. 25)
//   ?horn=1       sound the horn (OBS plays it as the source's audio)
// Anything else, or a value out of range, is the default.

export const POSITIONS = ["top-left", "top", "top-right", "bottom-left", "bottom", "bottom-right"];

function number(text, fallback, low, high) {
  if (text === null || !/^\d+(\.\d+)?$/.test(text.trim())) return fallback;
  const value = Number(text);
  return value >= low && value <= high ? value : fallback;
}

export function overlayOptions(search) {
  const params = new URLSearchParams(search);
  const pos = params.get("pos");
  return {
    position: POSITIONS.includes(pos) ? pos : "top-left",
    scale: number(params.get("scale"), 1, 0.25, 4),
    margin: number(params.get("margin"), 3, 0, 25),
    horn: params.get("horn") === "1",
  };
}
