// alerts.js — the operator page's error messages: the dismissable error box for a refused
// or failed command, and the red "disk is full" banner (code storage_full, HTTP 507), which
// cannot be dismissed because every change is being lost until space is freed. Both clear
// when the next command succeeds.

import { STORAGE_FULL_MESSAGE } from "./connection.js";

// What the operator is told instead of the server's wording, where that helps at a game.
const PLAIN_WORDS = {
  // Start is disabled at 0:00, but another operator may have set 0 a moment before.
  clock_at_zero: "The clock is at 0:00 — set a time first, then start it.",
};

export class Alerts {
  constructor({ box, boxText, boxClose, storageBanner, storageText }) {
    this.box = box;
    this.boxText = boxText;
    this.storageBanner = storageBanner;
    this.storageText = storageText;
    boxClose.addEventListener("click", () => this.hideBox());
  }

  /** Show an error {code, message} from the server or the connection. */
  show(error) {
    const code = (error && error.code) || "error";
    const message = error && error.message;
    if (code === "storage_full") {
      this.storageText.textContent = message || STORAGE_FULL_MESSAGE;
      this.storageBanner.hidden = false;
      return;
    }
    this.boxText.textContent = `${PLAIN_WORDS[code] || message || "Unknown error"} (${code})`;
    this.box.hidden = false;
  }

  /** A command succeeded: whatever went wrong before is over. */
  clear() {
    this.hideBox();
    this.storageBanner.hidden = true;
    this.storageText.textContent = "";
  }

  hideBox() {
    this.box.hidden = true;
    this.boxText.textContent = "";
  }
}
