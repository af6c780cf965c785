// The analysts' page: upload, poll the job, show the report, download files.
// Plain browser JavaScript, no build step and nothing loaded from elsewhere.
"use strict";

const P = JSON.parse(document.body.dataset.phrases);
const LANG = document.documentElement.lang;
const $ = (id) => document.getElementById(id);
let job = null;

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
}

function token() {
  return $("token").value || sessionStorage.getItem("appeals-token") || "";
}

function headers() {
  const t = token();
  if (t) sessionStorage.setItem("appeals-token", t);
  return t ? { Authorization: "Bearer " + t } : {};
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function detailOf(body) {
  if (!body || body.detail === undefined) return "";
  if (typeof body.detail === "string") return body.detail;
  return body.detail.map((e) => e.msg || JSON.stringify(e)).join("; ");
}

// A message for a failed answer: the status decides, the server's detail names the problem.
async function failure(response, kind) {
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  const detail = detailOf(body);
  if (response.status === 401) { $("token-box").hidden = false; return P.unauthorized; }
  if (response.status === 413) return format(P.too_large, { limit: P.limit });
  if (response.status === 503) return P.busy;
  if (response.status === 404) return P.expired;
  return format(P[kind], { detail: detail || response.status + " " + response.statusText });
}

async function call(url, options = {}) {
  try {
    return await fetch(url, { ...options, headers: { ...headers(), ...(options.headers || {}) } });
  } catch (e) {
    showError(P.network);
    throw e;
  }
}

function busy(on) {
  for (const id of ["submit", "calibration-submit", "sheet-submit"]) $(id).disabled = on;
}

function progress(state, done, total) {
  $("status").hidden = false;
  const bar = $("progress");
  bar.max = Math.max(total, 1);
  bar.value = state === "reading" ? 0 : done;
  const text = state === "reading" ? P.reading
    : state === "reporting" ? P.reporting
    : format(P.progress, { done: done.toLocaleString(LANG), total: total.toLocaleString(LANG) });
  $("progress-text").textContent = text;
}

function fileLabel(name) {
  return P[name.replace(".", "_")] || name;
}

function downloadName(name) {
  const stem = job.filename.replace(/\.[^.]*$/, "") || "appeals";
  return stem + "_" + name;
}

async function download(name) {
  const response = await call(`/v1/jobs/${job.id}/files/${name}`);
  if (!response.ok) { showError(await failure(response, "failed")); return; }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = downloadName(name);
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function showResult() {
  $("status").hidden = true;
  $("result").hidden = false;
  $("report").innerHTML = job.report_html; // built and escaped by the server
  const list = $("downloads");
  list.replaceChildren();
  for (const name of job.files) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/v1/jobs/${job.id}/files/${name}`;
    link.dataset.name = name;
    link.textContent = fileLabel(name);
    link.addEventListener("click", (event) => { event.preventDefault(); download(name); });
    item.appendChild(link);
    list.appendChild(item);
  }
  const calibrated = $("calibrated");
  calibrated.hidden = !job.calibration;
  calibrated.textContent = job.calibration ? format(P.calibrated, { name: job.calibration }) : "";
}

async function poll() {
  const response = await call(`/v1/jobs/${job.id}`);
  if (!response.ok) { busy(false); $("status").hidden = true; showError(await failure(response, "failed")); return; }
  job = await response.json();
  if (job.state === "done") { busy(false); showResult(); return; }
  if (job.state === "failed") {
    busy(false);
    $("status").hidden = true;
    showError(format(P.failed, { detail: job.message }));
    return;
  }
  progress(job.state, job.done, job.total);
  setTimeout(poll, 300);
}

$("upload").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const file = $("file").files[0];
  if (!file) { showError(P.no_file); return; }
  $("result").hidden = true;
  busy(true);
  progress("reading", 0, 0);
  const query = new URLSearchParams({ filename: file.name, text_col: $("text-col").value || "text", lang: LANG });
  const response = await call("/v1/jobs?" + query, { method: "POST", body: file });
  if (response.status !== 202) {
    busy(false);
    $("status").hidden = true;
    showError(await failure(response, "unreadable"));
    return;
  }
  job = await response.json();
  poll();
});

$("calibration-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const file = $("calibration").files[0];
  if (!file) { showError(P.no_file); return; }
  busy(true);
  progress("reporting", 0, 0);
  const query = new URLSearchParams({ filename: file.name });
  const response = await call(`/v1/jobs/${job.id}/calibration?` + query, { method: "POST", body: file });
  busy(false);
  $("status").hidden = true;
  if (!response.ok) { showError(await failure(response, "unreadable")); return; }
  job = await response.json();
  showResult();
});

$("sheet-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  busy(true);
  const query = new URLSearchParams({ n: $("sheet-n").value || "150" });
  const response = await call(`/v1/jobs/${job.id}/sheet?` + query, { method: "POST" });
  busy(false);
  if (!response.ok) { showError(await failure(response, "failed")); return; }
  job = await response.json();
  showResult();
  download("sheet.xlsx");
});

$("card-box").addEventListener("toggle", async () => {
  if (!$("card-box").open || $("card").textContent) return;
  const response = await call(`/v1/model/card?lang=${LANG}`);
  if (!response.ok) { showError(await failure(response, "failed")); return; }
  $("card").textContent = await response.text();
});
