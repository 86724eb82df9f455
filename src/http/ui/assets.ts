/**
 * The dashboard's only stylesheet and script, hand-written and served by pollhook itself
 * (no CDN, no build step). Kept as strings so the same module works on every runtime.
 */
export const STYLESHEET = `
:root{--bg:#f7f8fa;--fg:#1a1d23;--muted:#4f5663;--line:#d5d9e0;--card:#fff;--accent:#1d4ed8;--ok:#166534;--warn:#92400e;--bad:#b91c1c;--code:#f1f3f6;color-scheme:light}
*{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
body{margin:0}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
.skip:focus{left:.5rem;z-index:10}
header.top{background:#111827;color:#f9fafb;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
header.top a{color:#f9fafb}
header.top .brand{font-weight:700;text-decoration:none;font-size:1.1rem}
nav.main ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
nav.main a[aria-current=page]{font-weight:700;text-decoration:underline 2px}
.who{display:flex;gap:.5rem;align-items:center;font-size:.9rem}
.who button{background:transparent;color:#f9fafb;border:1px solid #9ca3af}
main{max-width:80rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
section.card,.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:1rem;margin:0 0 1rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr))}
.stat{font-size:1.6rem;font-weight:700}
.muted{color:var(--muted)}
.table-wrap{overflow-x:auto;margin-bottom:1rem}
table{border-collapse:collapse;width:100%;background:var(--card);font-size:.9rem}
td code,td a,dd code,dd{overflow-wrap:anywhere;min-width:0}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;color:var(--muted)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:var(--code);padding:.75rem;border-radius:4px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
pre.snippet{white-space:pre;word-break:normal}
.badge{display:inline-block;padding:0 .4rem;border-radius:999px;font-size:.8rem;font-weight:600;border:1px solid currentColor}
.s-succeeded,.s-delivered,.s-ok{color:var(--ok)}
.s-failed,.s-dead,.s-bad{color:var(--bad)}
.s-pending,.s-running,.s-retrying,.s-warn{color:var(--warn)}
.s-canceled{color:var(--muted)}
form.inline{display:inline}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin-bottom:1rem}
label{display:block;font-size:.9rem;font-weight:600}
fieldset{border:1px solid var(--line);border-radius:4px}
fieldset label{display:inline-flex;gap:.25rem;font-weight:400;margin-right:.75rem}
input,select,textarea{font:inherit;padding:.35rem .5rem;border:1px solid #6b7280;border-radius:4px;max-width:100%;background:#fff;color:var(--fg)}
.field{margin:0 0 .75rem}
.field-error{color:var(--bad);margin:.25rem 0 0;font-size:.9rem;font-weight:600}
[aria-invalid=true]{border-color:var(--bad)}
button,.button{font:inherit;padding:.35rem .8rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad)}
.flash{padding:.75rem 1rem;border-radius:4px;margin-bottom:1rem;border:1px solid}
.flash.ok{background:#ecfdf5;border-color:#86efac}
.flash.error{background:#fef2f2;border-color:#fca5a5}
.secret{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.secret code{background:var(--code);padding:.35rem .5rem;border-radius:4px;word-break:break-all}
ol.timeline{list-style:none;padding:0;margin:0;border-left:3px solid var(--line)}
ol.timeline li{margin:0 0 1rem;padding-left:1rem}
.chart svg{max-width:100%;height:auto}
.card>h2:first-child,.card>div>h2:first-child{margin-top:0}
figure{margin:0}
.pager{display:flex;gap:1rem;margin-top:.75rem}
details summary{cursor:pointer}
@media (max-width:40rem){main{padding:.5rem}th,td{padding:.3rem}.stat{font-size:1.3rem}table.stack thead{display:none}table.stack tr{display:block;border-bottom:2px solid var(--line);padding:.25rem 0}table.stack td{display:block;border:0;padding:.15rem .25rem}table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:var(--muted)}}
`;

/**
 * Progressive enhancement only: copy buttons, confirmations, and live regions that refresh
 * themselves when the live source (an EventSource on /ui/live, or polling it where that is
 * unavailable) reports a change. Every page reads fine without it.
 */
export const SCRIPT = `
(function(){
  'use strict';
  document.addEventListener('click', function(e){
    var b = e.target.closest && e.target.closest('[data-copy]');
    if (!b) return;
    var el = document.getElementById(b.getAttribute('data-copy'));
    if (!el || !navigator.clipboard) return;
    navigator.clipboard.writeText(el.textContent.trim()).then(function(){ b.textContent = 'Copied'; });
  });
  document.addEventListener('submit', function(e){
    var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  var live = document.querySelector('[data-live-source]');
  if (!live || !window.fetch) return;
  var source = live.getAttribute('data-live-source');
  var version = null, busy = false, again = false, stale = false, polling = false;
  function refresh(){
    return fetch(location.href, { credentials: 'same-origin', headers: { 'x-pollhook-live': '1' } }).then(function(r){
      if (!r.ok) return;
      return r.text().then(function(html){
        var doc = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live]').forEach(function(region){
          var fresh = doc.getElementById(region.id);
          if (fresh && fresh.innerHTML !== region.innerHTML && !region.contains(document.activeElement)) region.innerHTML = fresh.innerHTML;
        });
      });
    });
  }
  function update(){
    if (document.hidden) { stale = true; return; }
    if (busy) { again = true; return; }
    busy = true;
    refresh().catch(function(){}).then(function(){ busy = false; if (again) { again = false; update(); } });
  }
  // The first version may already include a change made after this page was rendered: refresh once then too.
  function seen(v){
    var changed = version === null || v !== version;
    version = v;
    if (changed) update();
  }
  document.addEventListener('visibilitychange', function(){ if (!document.hidden && stale) { stale = false; update(); } });
  // Fallback: ask every second (no EventSource, or a server that holds no streams).
  var asking = false;
  function ask(){
    if (asking || document.hidden) return;
    asking = true;
    fetch(source, { credentials: 'same-origin', cache: 'no-store' }).then(function(r){ return r.ok ? r.json() : null; }).then(function(v){
      if (v) seen(v.version);
    }).catch(function(){}).then(function(){ asking = false; });
  }
  function poll(){
    if (polling) return;
    polling = true;
    ask();
    setInterval(ask, 1000);
  }
  if (!window.EventSource) return poll();
  var stream = new EventSource(source);
  stream.addEventListener('version', function(e){ seen(e.data); });
  stream.addEventListener('signed-out', function(){ stream.close(); });
  // Refused (no stream here, too many open) or closed for good: poll instead; a dropped connection reconnects by itself.
  stream.onerror = function(){ if (stream.readyState === 2) poll(); };
})();
`;

/**
 * The tab icon: a small SVG served from the dashboard's own origin (the CSP's img-src 'self'),
 * linked from every page, so the browser never asks for a missing /favicon.ico.
 */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d4ed8"/><path d="M9 24V8h7a5 5 0 0 1 0 10h-7" fill="none" stroke="#fff" stroke-width="3.5" stroke-linejoin="round"/></svg>`;
