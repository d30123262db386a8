// drugscreen campaign report: the shortlist grid (sort, search, pick, export), the compound
// detail (properties, alerts, ADMET, radar of percentiles) and the property scatter.
// Written for this page; no library, no network. User text is only ever set as textContent.
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("report-data").textContent);
  const rows = DATA.compounds.rows.map((r) => Object.fromEntries(DATA.compounds.columns.map((c, i) => [c, r[i]])));
  const grid = document.getElementById("grid");
  const search = document.getElementById("search");
  const sortKey = document.getElementById("sort-key");
  const sortDir = document.getElementById("sort-dir");
  const shown = document.getElementById("shown-count");
  const detail = document.getElementById("detail");
  const picked = new Set();
  const SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || v === "") return "–";
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (typeof v !== "number") return String(v);
    if (!isFinite(v)) return "–";
    if (Number.isInteger(v) && digits === undefined) return String(v);
    const d = digits === undefined ? (Math.abs(v) >= 100 ? 1 : 3) : digits;
    return v.toFixed(d);
  }

  // ------------------------------------------------------------------ the grid
  function card(r) {
    const c = el("div", { class: "card", "data-row": r.row });
    const box = el("input", { type: "checkbox", class: "pick", title: "pick for export" });
    box.checked = picked.has(r.row);
    box.addEventListener("click", (e) => {
      e.stopPropagation();
      if (box.checked) picked.add(r.row); else picked.delete(r.row);
      document.getElementById("picked-count").textContent = picked.size;
    });
    c.appendChild(box);
    c.appendChild(el("div", { class: "title", title: r.id }, r.id));
    const mol = el("div", { class: "mol" });
    mol.innerHTML = DATA.depictions[r.row] || "";  // RDKit's SVG, made by drugscreen
    c.appendChild(mol);
    const dl = el("dl");
    for (const col of DATA.card_columns) {
      dl.appendChild(el("dt", {}, DATA.labels[col] || col));
      dl.appendChild(el("dd", { "data-col": col }, fmt(r[col])));
    }
    c.appendChild(dl);
    if (r.alerts) c.appendChild(el("span", { class: "tag warn" }, r.alerts.split("; ").length + " alert(s)"));
    if (r.flags) c.appendChild(el("span", { class: "tag warn" }, "flag: " + r.flags));
    c.addEventListener("click", () => showDetail(r, c));
    return c;
  }

  function visibleRows() {
    const q = search.value.trim().toLowerCase();
    let out = rows.filter((r) => !q || String(r.id).toLowerCase().includes(q) ||
      String(r.smiles).toLowerCase().includes(q) || String(r.nearest_active || "").toLowerCase().includes(q));
    const key = sortKey.value;
    const sign = sortDir.value === "asc" ? 1 : -1;
    out = out.slice().sort((a, b) => {
      const x = a[key], y = b[key];
      const xm = x === null || x === undefined, ym = y === null || y === undefined;
      if (xm || ym) return xm === ym ? a.rank - b.rank : (xm ? 1 : -1);  // missing values last
      if (x < y) return -sign;
      if (x > y) return sign;
      return a.rank - b.rank;
    });
    return out;
  }

  function render() {
    const out = visibleRows();
    grid.replaceChildren(...out.map(card));
    shown.textContent = out.length;
  }

  // ------------------------------------------------------------------ the detail
  function table(header, body) {
    const t = el("table", { class: "data" });
    const tr = el("tr");
    header.forEach((h) => tr.appendChild(el("th", {}, h)));
    t.appendChild(tr);
    body.forEach((cells) => {
      const row = el("tr");
      cells.forEach((v, i) => row.appendChild(el("td", i > 0 && typeof v === "number" ? { class: "num" } : {}, fmt(v))));
      t.appendChild(row);
    });
    return t;
  }

  function radar(r) {
    const axes = DATA.radar.filter((a) => r[a + "_pct"] !== null && r[a + "_pct"] !== undefined);
    const size = 300, cx = 150, cy = 150, R = 105;
    const svg = svgEl("svg", { width: size, height: size, viewBox: "0 0 300 300", class: "radar" });
    [25, 50, 75, 100].forEach((p) => svg.appendChild(svgEl("circle", {
      cx, cy, r: R * p / 100, fill: "none", stroke: "#dee2e6" })));
    const pts = [];
    axes.forEach((a, i) => {
      const t = -Math.PI / 2 + 2 * Math.PI * i / axes.length;
      const x = cx + R * Math.cos(t), y = cy + R * Math.sin(t);
      svg.appendChild(svgEl("line", { x1: cx, y1: cy, x2: x, y2: y, stroke: "#dee2e6" }));
      const label = svgEl("text", { x: cx + (R + 14) * Math.cos(t), y: cy + (R + 14) * Math.sin(t),
        "font-size": 10, "text-anchor": Math.cos(t) > 0.3 ? "start" : Math.cos(t) < -0.3 ? "end" : "middle" });
      label.textContent = DATA.labels[a] || a;
      svg.appendChild(label);
      const v = r[a + "_pct"] / 100;
      pts.push((cx + R * v * Math.cos(t)).toFixed(1) + "," + (cy + R * v * Math.sin(t)).toFixed(1));
    });
    svg.appendChild(svgEl("polygon", { points: pts.join(" "), fill: "rgba(217,72,15,0.25)", stroke: "#d9480f" }));
    const cap = svgEl("text", { x: 4, y: 292, "font-size": 10, fill: "#6c757d" });
    cap.textContent = "percentile among approved drugs (rings: 25, 50, 75, 100)";
    svg.appendChild(cap);
    return svg;
  }

  // The depiction with an alert's atoms and the bonds between them drawn in red: RDKit names
  // every path and label by its atoms (class "bond-3 atom-2 atom-5", "atom-5").
  function highlighted(svgText, atoms) {
    const holder = el("div");
    holder.innerHTML = svgText;
    const inside = new Set(atoms);
    holder.querySelectorAll("path, text").forEach((p) => {
      const ids = [...p.classList].filter((c) => c.startsWith("atom-")).map((c) => Number(c.slice(5)));
      if (!ids.length || !ids.every((i) => inside.has(i))) return;
      p.classList.add("alert-hit");
      if (p.tagName === "path") { p.setAttribute("stroke", "#e03131"); p.setAttribute("stroke-width", "4px"); }
      else p.setAttribute("fill", "#e03131");
    });
    return holder;
  }

  function showDetail(r, node) {
    document.querySelectorAll(".card.open").forEach((c) => c.classList.remove("open"));
    node.classList.add("open");
    detail.hidden = false;
    detail.replaceChildren();
    detail.appendChild(el("h3", {}, r.id + " — rank " + r.rank + ", score " + fmt(r.score)));
    detail.appendChild(el("div", { class: "muted" }, r.smiles));
    const top = el("div", { class: "flex" });
    const mol = el("div", { class: "mol" });
    mol.innerHTML = DATA.depictions[r.row] || "";
    top.appendChild(mol);
    const phys = el("div");
    phys.appendChild(el("h3", {}, "Physicochemical properties"));
    phys.appendChild(table(["property", "value", "percentile"], DATA.physchem.map((p) => [DATA.labels[p] || p, r[p], r[p + "_pct"]])));
    top.appendChild(phys);
    const scores = el("div");
    scores.appendChild(el("h3", {}, "Scores"));
    scores.appendChild(table(["", "value"], DATA.score_columns.map((c) => [DATA.labels[c] || c, r[c]])));
    top.appendChild(scores);
    if (DATA.radar.length) {
      const rad = el("div");
      rad.appendChild(el("h3", {}, "Percentiles among approved drugs"));
      rad.appendChild(radar(r));
      top.appendChild(rad);
    }
    detail.appendChild(top);
    const alerts = DATA.alerts[r.row] || [];
    detail.appendChild(el("h3", {}, "Structural alerts (PAINS, Brenk, NIH)"));
    if (!alerts.length) detail.appendChild(el("div", { class: "muted" }, "none"));
    const box = el("div", { class: "flex" });
    alerts.forEach((a) => {
      const f = el("figure", { class: "alert-mol" });
      f.appendChild(highlighted(DATA.depictions[r.row] || "", a.atoms));
      f.appendChild(el("figcaption", {}, a.name));
      box.appendChild(f);
    });
    detail.appendChild(box);
    if (DATA.endpoints.length) {
      detail.appendChild(el("h3", {}, "ADMET predictions"));
      detail.appendChild(table(
        ["endpoint", "prediction", "unit", "± (fold spread)", "90 % interval", "nearest training Tanimoto", "outside domain", "percentile"],
        DATA.endpoints.map((e) => [e.label, r[e.name], e.unit, r[e.name + "_std"],
          r[e.name + "_lo"] === undefined || r[e.name + "_lo"] === null ? null : fmt(r[e.name + "_lo"]) + " – " + fmt(r[e.name + "_hi"]),
          r[e.name + "_ad"], r[e.name + "_ood"], r[e.name + "_pct"]])));
    }
    detail.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }

  // ------------------------------------------------------------------ export
  function download(name, text, type) {
    const a = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  function chosen() {
    const list = picked.size ? rows.filter((r) => picked.has(r.row)) : visibleRows();
    return list;
  }
  function csvCell(v) {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  document.getElementById("export-csv").addEventListener("click", () => {
    const cols = DATA.export_columns;
    const lines = [cols.join(",")].concat(chosen().map((r) => cols.map((c) => csvCell(r[c])).join(",")));
    download("selection.csv", lines.join("\n") + "\n", "text/csv");
  });
  document.getElementById("export-smi").addEventListener("click", () => {
    download("selection.smi", chosen().map((r) => r.smiles + " " + r.id).join("\n") + "\n", "text/plain");
  });
  document.getElementById("pick-visible").addEventListener("click", () => {
    visibleRows().forEach((r) => picked.add(r.row));
    document.getElementById("picked-count").textContent = picked.size;
    render();
  });
  document.getElementById("pick-none").addEventListener("click", () => {
    picked.clear();
    document.getElementById("picked-count").textContent = 0;
    render();
  });

  // ------------------------------------------------------------------ property scatter
  function scatter() {
    const host = document.getElementById("scatter");
    if (!host) return;
    const xs = document.getElementById("scatter-x"), ys = document.getElementById("scatter-y");
    const W = 520, H = 380, L = 56, B = 44, T = 10, Rm = 12;
    const ref = DATA.reference;
    function draw() {
      const x = xs.value, y = ys.value;
      const pts = [];
      (ref[x] || []).forEach((v, i) => pts.push([v, ref[y][i], 0]));
      rows.forEach((r) => pts.push([r[x], r[y], 1]));
      const ok = pts.filter((p) => typeof p[0] === "number" && typeof p[1] === "number" && isFinite(p[0]) && isFinite(p[1]));
      const svg = svgEl("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}` });
      if (!ok.length) { host.replaceChildren(svg); return; }
      const ext = (k) => { let lo = Math.min(...ok.map((p) => p[k])), hi = Math.max(...ok.map((p) => p[k]));
        if (lo === hi) { lo -= 1; hi += 1; } return [lo, hi]; };
      const [x0, x1] = ext(0), [y0, y1] = ext(1);
      const sx = (v) => L + (W - L - Rm) * (v - x0) / (x1 - x0), sy = (v) => H - B - (H - B - T) * (v - y0) / (y1 - y0);
      svg.appendChild(svgEl("rect", { x: L, y: T, width: W - L - Rm, height: H - B - T, fill: "none", stroke: "#adb5bd" }));
      for (let i = 0; i <= 4; i++) {
        const vx = x0 + (x1 - x0) * i / 4, vy = y0 + (y1 - y0) * i / 4;
        const tx = svgEl("text", { x: sx(vx), y: H - B + 14, "font-size": 10, "text-anchor": "middle" }); tx.textContent = fmt(vx, 1); svg.appendChild(tx);
        const ty = svgEl("text", { x: L - 4, y: sy(vy) + 3, "font-size": 10, "text-anchor": "end" }); ty.textContent = fmt(vy, 1); svg.appendChild(ty);
      }
      const lx = svgEl("text", { x: L + (W - L) / 2, y: H - 8, "font-size": 12, "text-anchor": "middle" }); lx.textContent = DATA.labels[x] || x; svg.appendChild(lx);
      const ly = svgEl("text", { x: 12, y: T + (H - B) / 2, "font-size": 12, "text-anchor": "middle", transform: `rotate(-90 12 ${T + (H - B) / 2})` }); ly.textContent = DATA.labels[y] || y; svg.appendChild(ly);
      ok.forEach((p) => svg.appendChild(svgEl("circle", { cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: p[2] ? 3.5 : 2,
        fill: p[2] ? "#d9480f" : "#9aa5b1", "fill-opacity": p[2] ? 0.9 : 0.35, class: p[2] ? "pt-shortlist" : "pt-reference" })));
      host.replaceChildren(svg);
    }
    xs.addEventListener("change", draw);
    ys.addEventListener("change", draw);
    draw();
  }

  search.addEventListener("input", render);
  sortKey.addEventListener("change", render);
  sortDir.addEventListener("change", render);
  render();
  scatter();
  document.body.setAttribute("data-ready", "1");
})();
