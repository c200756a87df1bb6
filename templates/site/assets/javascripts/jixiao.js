/* Sortable and filterable tables, search on any input, and evaluation forms whose columns fit
 * their figures; the pages read fine without this script. What the reader chose in a list
 * (filters, sort) is kept in the address, so that it survives Back and can be shared:
 * evaluations/?unit=…&year=2020&grade=优&sort=总分&order=desc */
"use strict";
(function () {
  const collator = new Intl.Collator("zh");

  function saveState(changes) {
    const url = new URL(location.href);
    for (const [key, value] of Object.entries(changes)) {
      if (value) url.searchParams.set(key, value);
      else url.searchParams.delete(key);
    }
    history.replaceState(history.state, "", url);
  }

  function cellValue(row, index, type) {
    const cell = row.cells[index];
    const text = (cell.dataset.value ?? cell.textContent).trim();
    if (type !== "number") return text;
    const number = parseFloat(text.replace(/[%,]/g, ""));
    return isNaN(number) ? -Infinity : number;
  }

  function compare(a, b, type) {
    if (type !== "number") return collator.compare(a, b);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  /* Equal values keep the page's own order, so a sort read from the address gives the same rows
   * as the clicks that made it. */
  function sortBy(table, header, ascending, pageOrder) {
    const index = Array.from(header.parentNode.cells).indexOf(header);
    const type = header.dataset.sort;
    table.querySelectorAll("th[aria-sort]").forEach(th => th.removeAttribute("aria-sort"));
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows, row => ({ row, value: cellValue(row, index, type) }));
    rows.sort((x, y) => (ascending ? 1 : -1) * compare(x.value, y.value, type)
      || pageOrder.get(x.row) - pageOrder.get(y.row));
    rows.forEach(({ row }) => body.appendChild(row));
  }

  function headerKey(header) {
    return header.textContent.trim();
  }

  /* Each sortable header's text goes into a real button: Enter and Space both sort. */
  function setupSorting(table, state) {
    const pageOrder = new Map(Array.from(table.tBodies[0].rows, (row, i) => [row, i]));
    const headers = Array.from(table.querySelectorAll("thead th[data-sort]"));
    for (const header of headers) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "jx-sort";
      button.append(...header.childNodes);
      header.append(button);
      button.addEventListener("click", () => {
        const ascending = header.getAttribute("aria-sort") !== "ascending";
        sortBy(table, header, ascending, pageOrder);
        saveState({ sort: headerKey(header), order: ascending ? "asc" : "desc" });
      });
    }
    const chosen = headers.find(header => headerKey(header) === state.get("sort"));
    if (chosen) sortBy(table, chosen, state.get("order") !== "desc", pageOrder);
  }

  function setupFilters(form, state) {
    const table = document.querySelector("table.jx-filterable");
    if (!table) return;
    const selects = Array.from(form.querySelectorAll("select"));
    const empty = document.querySelector(".jx-empty");
    for (const select of selects) {
      const wanted = state.get(select.name) || "";
      select.value = Array.from(select.options).some(option => option.value === wanted) ? wanted : "";
    }
    const apply = () => {
      let shown = 0;
      for (const row of table.tBodies[0].rows) {
        const visible = selects.every(select => !select.value || row.dataset[select.name] === select.value);
        row.hidden = !visible;
        if (visible) shown++;
      }
      form.elements.count.value = shown;
      if (empty) empty.hidden = shown > 0;
    };
    form.addEventListener("change", () => {
      apply();
      saveState(Object.fromEntries(selects.map(select => [select.name, select.value])));
    });
    apply();
  }

  /* The form's tables share one grid of columns, as on paper: the published proportions,
   * widened where a figure would not fit and narrowed elsewhere, the same in every table so
   * that the rules line up. Where the screen is too narrow the form scrolls sideways. */
  function columnsOf(table) {
    return Array.from(table.querySelectorAll(":scope > colgroup > col"));
  }

  function columnAt(columns, x) {
    let index = 0;
    columns.forEach((column, i) => { if (column.getBoundingClientRect().left <= x + 1) index = i; });
    return index;
  }

  function widthsFor(shares, needs, total) {
    const widths = shares.map(share => share * total);
    const widened = widths.map((width, i) => needs[i] > width);
    const taken = widths.reduce((sum, width, i) => sum + (widened[i] ? needs[i] : 0), 0);
    const rest = widths.reduce((sum, width, i) => sum + (widened[i] ? 0 : width), 0);
    const scale = Math.max(0.6, rest ? (total - taken) / rest : 1);
    return widths.map((width, i) => widened[i] ? needs[i] : width * scale);
  }

  function alignColumns(form) {
    const tables = Array.from(form.querySelectorAll("table")).filter(table => columnsOf(table).length);
    if (!tables.length) return;
    const count = columnsOf(tables[0]).length;
    if (tables.some(table => columnsOf(table).length !== count)) return;
    const columns = tables.flatMap(columnsOf);
    columns.forEach(column => column.style.removeProperty("--jx-width"));
    form.classList.add("jx-aligned");
    const shares = columnsOf(tables[0]).map(column => parseFloat(column.style.width) / 100);
    if (shares.some(isNaN)) return;
    const total = columnsOf(tables[0]).reduce((sum, column) => sum + column.getBoundingClientRect().width, 0);
    const needs = shares.map(() => 0);
    for (let pass = 0; pass < 3; pass++) {
      let overflowing = false;
      for (const cell of form.querySelectorAll("td, th")) {
        if (cell.colSpan !== 1 || cell.scrollWidth <= cell.clientWidth) continue;
        const index = columnAt(columnsOf(cell.closest("table")), cell.getBoundingClientRect().left);
        needs[index] = Math.max(needs[index], cell.scrollWidth + 2);
        overflowing = true;
      }
      if (!overflowing) return;
      const widths = widthsFor(shares, needs, total);
      for (const table of tables) {
        columnsOf(table).forEach((column, i) => column.style.setProperty("--jx-width", `${widths[i].toFixed(1)}px`));
      }
    }
  }

  function setupForm(form) {
    const hint = document.createElement("p");
    hint.className = "jx-scroll-hint";
    hint.textContent = "表格较宽，可左右滑动查看全表 →";
    form.before(hint);
    const fit = () => {
      alignColumns(form);
      hint.hidden = form.scrollWidth <= form.clientWidth + 1;
    };
    fit();
    let pending = false;
    window.addEventListener("resize", () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; fit(); });
    });
  }

  /* mkdocs-material searches on keyup; text pasted with the mouse, or committed by an
   * input method that sends no key event, arrives as an input event only. */
  function searchOnInput(input) {
    if (input.dataset.jxInput) return;
    input.dataset.jxInput = "1";
    input.addEventListener("input", event => {
      if (!event.isComposing) input.dispatchEvent(new KeyboardEvent("keyup"));
    });
  }

  function setup() {
    const state = new URLSearchParams(location.search);
    document.querySelectorAll(".md-search__input").forEach(searchOnInput);
    document.querySelectorAll("table.jx-sortable").forEach(table => setupSorting(table, state));
    document.querySelectorAll("form.jx-filters").forEach(form => setupFilters(form, state));
    document.querySelectorAll(".jx-form").forEach(setupForm);
  }

  if (typeof document$ !== "undefined") document$.subscribe(setup);
  else document.addEventListener("DOMContentLoaded", setup);
})();
