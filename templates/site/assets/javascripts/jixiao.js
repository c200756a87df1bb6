/* Sortable and filterable tables, and search on any input; the pages read fine without this script. */
"use strict";
(function () {
  function cellValue(row, index, type) {
    const text = row.cells[index].textContent.trim();
    if (type !== "number") return text;
    const number = parseFloat(text.replace(/[%,]/g, ""));
    return isNaN(number) ? -Infinity : number;
  }

  function sortBy(table, header) {
    const index = Array.from(header.parentNode.cells).indexOf(header);
    const type = header.dataset.sort;
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(th => th.removeAttribute("aria-sort"));
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = cellValue(a, index, type), y = cellValue(b, index, type);
      const order = type === "number" ? x - y : String(x).localeCompare(String(y), "zh");
      return ascending ? order : -order;
    });
    rows.forEach(row => body.appendChild(row));
  }

  function setupSorting(table) {
    table.querySelectorAll("th[data-sort]").forEach(header => {
      header.tabIndex = 0;
      header.addEventListener("click", () => sortBy(table, header));
      header.addEventListener("keydown", event => { if (event.key === "Enter") sortBy(table, header); });
    });
  }

  function setupFilters(form) {
    const table = document.querySelector("table.jx-filterable");
    if (!table) return;
    const apply = () => {
      let shown = 0;
      for (const row of table.tBodies[0].rows) {
        const visible = ["unit", "year", "grade"].every(name => !form.elements[name].value || row.dataset[name] === form.elements[name].value);
        row.hidden = !visible;
        if (visible) shown++;
      }
      form.elements.count.value = shown;
    };
    form.addEventListener("change", apply);
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
    document.querySelectorAll(".md-search__input").forEach(searchOnInput);
    document.querySelectorAll("table.jx-sortable").forEach(setupSorting);
    document.querySelectorAll("form.jx-filters").forEach(setupFilters);
  }

  if (typeof document$ !== "undefined") document$.subscribe(setup);
  else document.addEventListener("DOMContentLoaded", setup);
})();
