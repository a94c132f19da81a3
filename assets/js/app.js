// Shows that scripts served by the canister run: marks the status line once the page has loaded.
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("status");
  status.textContent = "JavaScript ran: this page is live.";
  status.dataset.state = "ready";
});
