// display-bg.js — runs before the display page is painted: with ?bg=transparent the page
// background is transparent (for OBS / broadcast browser sources), so there is no flash of
// the dark background while the module scripts load.
if (new URLSearchParams(location.search).get("bg") === "transparent") {
  document.documentElement.classList.add("transparent");
}
