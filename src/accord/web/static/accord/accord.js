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

// The page's button, and the same button inside the sign-out warning, whose modal dialog
// makes the rest of the page unclickable while it is open.
const exitLinks = document.querySelectorAll("[data-accord-quick-exit]");
const exitLink = exitLinks[0];
if (exitLink) {
  exitLinks.forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      leave(link);
    });
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

// The sign-out warning (accounts/session_views.py). A session ends after a spell without a
// request; typing is not a request, so someone writing a long note would lose it on Save.
// Two minutes before the end, ask the server how long is really left (another tab may have
// kept the session alive), and if it is nearly over, say so and offer to stay signed in.
// When the time is up, end the session here, so the page does not stay on screen.
const warning = document.getElementById("accord-timeout");
if (warning && typeof warning.showModal === "function") {
  const url = warning.dataset.accordSessionTime;
  const signIn = warning.dataset.accordSignIn;
  const keepForm = warning.querySelector("[data-accord-timeout-keep]");
  const endForm = warning.querySelector("[data-accord-timeout-end]");
  const count = warning.querySelector("[data-accord-timeout-count]");
  const why = warning.querySelector("[data-accord-timeout-why]");
  let warnFor = Number(warning.dataset.accordWarning) * 1000;
  let deadline = 0;
  let timer = null;
  let ticker = null;

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const inWords = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    if (minutes && rest) {
      return `${plural(minutes, "minute")} ${plural(rest, "second")}`;
    }
    return minutes ? plural(minutes, "minute") : plural(rest, "second");
  };

  const ask = async (options) => {
    // null: the session has already ended (the server answered with the sign-in page).
    const response = await fetch(url, {
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json" },
      ...options,
    });
    if (response.type === "opaqueredirect" || !response.ok) {
      return null;
    }
    return response.json();
  };

  const close = () => {
    clearInterval(ticker);
    if (warning.open) {
      warning.close();
    }
  };
  const signedOut = () => window.location.replace(signIn);
  const end = () => endForm.submit();

  const schedule = (idleLeft, absoluteLeft) => {
    clearTimeout(timer);
    const left = Math.min(idleLeft, absoluteLeft) * 1000;
    deadline = Date.now() + left;
    timer = setTimeout(check, Math.max(0, left - warnFor));
  };

  const open = (idleLeft, absoluteLeft) => {
    const final = absoluteLeft <= idleLeft;
    why.textContent = final
      ? "You have been signed in for as long as is allowed, so you will be signed out soon, even if you are working. Save your work now."
      : "To keep information safe, you will be signed out if you do nothing.";
    keepForm.hidden = final;
    const tick = () => {
      count.textContent = inWords(deadline - Date.now());
    };
    tick();
    clearInterval(ticker);
    ticker = setInterval(tick, 1000);
    if (!warning.open) {
      warning.showModal();
    }
  };

  async function check() {
    let state = null;
    try {
      state = await ask({ method: "GET" });
    } catch (error) {
      // No answer (offline): trust the clock here.
      state = { idle_seconds_left: Math.max(0, (deadline - Date.now()) / 1000) };
      state.absolute_seconds_left = state.idle_seconds_left + 1;
    }
    if (state === null) {
      signedOut();
      return;
    }
    warnFor = (state.warning_seconds ?? warnFor / 1000) * 1000;
    const idleLeft = state.idle_seconds_left;
    const absoluteLeft = state.absolute_seconds_left;
    const left = Math.min(idleLeft, absoluteLeft) * 1000;
    if (left <= 1000) {
      end();
      return;
    }
    if (left > warnFor + 5000) {
      close(); // kept alive elsewhere: wait again
      schedule(idleLeft, absoluteLeft);
      return;
    }
    deadline = Date.now() + left;
    open(idleLeft, absoluteLeft);
    clearTimeout(timer);
    timer = setTimeout(check, left);
  }

  keepForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const state = await ask({ method: "POST", body: new FormData(keepForm) }).catch(() => null);
    if (state === null) {
      signedOut();
      return;
    }
    close();
    schedule(state.idle_seconds_left, state.absolute_seconds_left);
  });
  // Escape means "not now": stay signed in, as the main button does.
  warning.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (!keepForm.hidden) {
      keepForm.requestSubmit();
    }
  });

  schedule(Number(warning.dataset.accordIdleLeft), Number(warning.dataset.accordAbsoluteLeft));
}
