// Accord's only script. Pages work without it; it adds GOV.UK Frontend behaviour and
// makes quick exit faster and harder to undo with the Back button.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

function leave(link) {
  // Replace this page in the history first, so Back does not return to it.
  try {
    window.history.replaceState(null, "", "/");
  } catch (error) {
    // Leaving matters more than tidying the history.
  }
  window.location.replace(link.getAttribute("href"));
}

const exitLink = document.querySelector("[data-accord-quick-exit]");
if (exitLink) {
  exitLink.addEventListener("click", (event) => {
    event.preventDefault();
    leave(exitLink);
  });
  let presses = 0;
  let timer = null;
  document.addEventListener("keyup", (event) => {
    if (event.key !== "Shift") {
      return;
    }
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(() => {
      presses = 0;
    }, 2000);
    if (presses >= 3) {
      leave(exitLink);
    }
  });
}
