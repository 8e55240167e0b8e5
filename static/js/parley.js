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

// A filter's text box (a party, a talk, a topic named by typing) suggests
// records as one types; leaving it must not apply the half-typed name, as a
// change to any other field applies the filter. Enter still does.
document.addEventListener(
  "change",
  (event) => {
    if (event.target.matches(".record-search__input")) event.stopPropagation();
  },
  true,
);
