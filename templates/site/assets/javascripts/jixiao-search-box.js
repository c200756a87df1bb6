/* The page half of jixiao's search (the worker is jixiao-search.js). mkdocs-material's
 * search dialog shows the first results the worker sends; this script
 *  - searches the text an input method commits, not the pinyin it was composed from;
 *  - states the true number of matches, or that a query needs two characters or more;
 *    when the first results come from a part of the index only, says that the rest are
 *    being looked for, asks the worker for them and states the exact count it sends;
 *  - loads further results, a page at a time, when the list is scrolled to its end.
 * It must run before the theme's bundle, which creates the worker: it is loaded by
 * partials/search.html, in the page header. */
"use strict";
(function () {
  const QUERY = 2, RESULT = 3, MORE = 100, MORE_RESULT = 101, REST = 102, COUNT = 103;
  const PAGE = 20;  // results loaded each time the end of the list comes into view
  const NEAR_END = 200;  // pixels before the end at which the next page is requested
  const TOO_SHORT = "请至少输入两个字再搜索";

  const state = { worker: null, query: null, count: 0, counting: false, shown: 0, loading: false, pending: null };
  let config, base, meta, list, scroller, more;

  /* The theme creates its search worker with `new Worker(config.search)`, once the page
   * has loaded: keep a handle on it, to read the true count it sends and to ask it for
   * further results. */
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(url, options) {
      super(url, options);
      if (!state.worker && isSearchWorker(url)) connect(this);
    }

    postMessage(message, ...rest) {
      if (this === state.worker && message && message.type === QUERY) state.query = message.data;
      super.postMessage(message, ...rest);
    }
  };

  function isSearchWorker(url) {
    config = JSON.parse(document.getElementById("__config").textContent);
    return new URL(url, location.href).href === new URL(config.search, location.href).href;
  }

  function connect(worker) {
    const box = document.querySelector("[data-md-component=search]");
    base = new URL(config.base, location.href);
    meta = box.querySelector(".md-search-result__meta");
    list = box.querySelector(".md-search-result__list");
    scroller = box.querySelector(".md-search__scrollwrap");
    more = box.querySelector(".jx-search-more");
    state.worker = worker;
    worker.addEventListener("message", ({ data: message }) => {
      if (message.type === RESULT) state.pending = message.data;  // shown once the theme has drawn it
      else if (message.type === MORE_RESULT) append(message.data);
      else if (message.type === COUNT) recount(message.data);
    });
    // The theme rewrites the result count on every result: correct it right after.
    new MutationObserver(() => {
      if (state.pending) shown(state.pending);
    }).observe(meta, { childList: true, characterData: true, subtree: true });
    scroller.addEventListener("scroll", loadIfNearEnd, { passive: true });
  }

  function counted(count) {
    return `找到 ${count.toLocaleString("zh-CN")} 个符合条件的结果`;
  }

  function counting(count) {
    return `已找到 ${count.toLocaleString("zh-CN")} 个结果，正在查找其余……`;
  }

  function shown(result) {
    state.pending = null;
    state.count = result.count || 0;
    state.counting = Boolean(result.counting);
    state.shown = result.items.length;
    state.loading = false;
    if (result.short) meta.textContent = TOO_SHORT;
    else if (state.counting) meta.textContent = counting(state.count);
    else if (state.count > 0) meta.textContent = counted(state.count);
    progress();
    whenListed(() => {
      if (state.counting) state.worker.postMessage({ type: REST, data: { query: result.query } });
      loadIfNearEnd();
    });
  }

  /* Once the theme's items are painted (it may draw them a frame after the count): the rest
   * of the index is fetched after the first results show, not alongside them, and an empty
   * list does not seem scrolled to its end. */
  function whenListed(then) {
    const afterPaint = () => requestAnimationFrame(() => setTimeout(then));
    if (list.children.length) return afterPaint();
    const watch = new MutationObserver(() => {
      if (!list.children.length) return;
      watch.disconnect();
      afterPaint();
    });
    watch.observe(list, { childList: true });
  }

  /* The exact count, once the worker has searched the whole index. */
  function recount({ query, count }) {
    if (query !== state.query || !state.counting) return;
    state.count = count;
    state.counting = false;
    meta.textContent = counted(count);
    progress();
    loadIfNearEnd();
  }

  function progress() {
    const total = state.counting ? "正在统计总数" : `共 ${state.count.toLocaleString("zh-CN")} 项`;
    const shown = `已显示 ${state.shown.toLocaleString("zh-CN")} 项，${total}`;
    more.hidden = state.shown >= state.count && !state.counting;
    more.textContent = more.hidden ? "" : `${shown}；${state.loading ? "正在加载…" : "向下滚动显示更多"}`;
  }

  function loadIfNearEnd() {
    if (state.loading || state.shown >= state.count || list.hidden) return;
    if (scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight - NEAR_END) return;
    state.loading = true;
    progress();
    state.worker.postMessage({ type: MORE, data: { query: state.query, from: state.shown, size: PAGE } });
  }

  function append(page) {
    if (page.query !== state.query || page.from !== state.shown) return;  // the query changed meanwhile
    for (const [item] of page.items) list.appendChild(render(item));
    state.shown += page.items.length;
    state.loading = false;
    if (!page.items.length) state.count = state.shown;
    progress();
    loadIfNearEnd();
  }

  /* The same markup as the theme's own result items (templates/search in its bundle). */
  function render(item) {
    const url = new URL(item.location, base);
    if (config.features.includes("search.highlight"))
      url.searchParams.set("h", Object.keys(item.terms).join(" "));
    const li = document.createElement("li");
    li.className = "md-search-result__item";
    li.innerHTML = `<a href="${url}" class="md-search-result__link" tabindex="-1">`
      + `<article class="md-search-result__article md-typeset" data-md-score="${item.score.toFixed(2)}">`
      + `<div class="md-search-result__icon md-icon"></div><h1>${item.title}</h1>${item.text}</article></a>`;
    return li;
  }

  /* An input method composes pinyin in the field before it commits the characters.
   * The theme searches on every keyup: hide those made while composing, and search
   * once the text is committed. */
  const input = document.querySelector("[data-md-component=search-query]");
  let composing = false;
  input.addEventListener("compositionstart", () => { composing = true; });
  input.addEventListener("compositionend", () => {
    composing = false;
    input.dispatchEvent(new KeyboardEvent("keyup"));
  });
  window.addEventListener("keyup", event => {
    if (event.target === input && (composing || event.isComposing)) event.stopImmediatePropagation();
  }, true);
})();
