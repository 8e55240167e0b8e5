// After htmx swaps a filter's results: tell screen readers what changed, and
// keep keyboard focus somewhere sensible when the focused element was replaced.
document.addEventListener("htmx:afterSettle", (event) => {
  const region = event.detail.elt;
  if (!region || region.id !== "browse") return;
  const count = document.getElementById("result-count");
  const announcer = document.getElementById("announcer");
  if (count && announcer) announcer.textContent = count.textContent.trim();
  if (!document.activeElement || document.activeElement === document.body) {
    const heading = document.getElementById("results-heading");
    if (heading) heading.focus({ preventScroll: true });
  }
});
