// delivery-status.js — the operator page's delivery status under the top bar: the light
// (pusher_status, in colour and in words), why it is not green (pusher_detail), and one
// line per destination when there is more than the one file or one is unwell.

const STATUS_HELP = {
  unknown: "No delivery process yet",
  healthy: "Every event delivered",
  pending: "Some events not delivered yet",
  dead: "Delivery process not running",
};

/** The words of one destination's line: "name: status, 3 behind, 1 dead letters, why". */
export function destinationLine(d) {
  const facts = [d.status];
  if (d.behind) facts.push(`${d.behind} behind`);
  if (d.dead_letters) facts.push(`${d.dead_letters} dead letters`);
  if (d.last_error && d.status !== "healthy") facts.push(d.last_error);
  return `${d.name}: ${facts.join(", ")}`;
}

export class DeliveryStatus {
  /** `light`, `label`, `detail` and `list` are the page's elements. */
  constructor({ light, label, detail, list }) {
    Object.assign(this, { light, label, detail, list });
    this.shown = { status: null, detail: null, destinations: "" };
  }

  /** Draw what changed since the last call (status, detail, destinations). */
  render(status, detail, destinations) {
    if (status !== this.shown.status) {
      this.light.dataset.status = status;
      this.label.textContent = `Delivery: ${status}`;
      this.light.title = STATUS_HELP[status] || status;
      this.shown.status = status;
    }
    if (detail !== this.shown.detail) {
      this.detail.textContent = detail ? `Delivery: ${detail}` : "";
      this.detail.hidden = !detail;
      this.shown.detail = detail;
    }
    const items = Array.isArray(destinations) ? destinations : [];
    const key = JSON.stringify(items);
    if (key === this.shown.destinations) return;
    this.shown.destinations = key;
    this.list.replaceChildren(
      ...items.map((d) => {
        const item = document.createElement("li");
        const light = document.createElement("span");
        light.className = "light small";
        light.dataset.status = d.status;
        item.append(light, ` ${destinationLine(d)}`);
        return item;
      }),
    );
    this.list.hidden = items.length < 2 && items.every((d) => d.status === "healthy");
  }
}
